namespace Gipo.Cluster.Fencing;

/// <summary>
/// A node formed a new cluster while the run's journal shows a live lease held by a node of another cluster: it refuses
/// to start rather than run a second coordinator or learner on the same journal. The message names the holder and
/// when its lease ends.
/// </summary>
public sealed class SecondClusterException(string message) : InvalidOperationException(message);
