using Gipo.Cluster.Coordination;

namespace Gipo.Cluster.Replay;

/// <summary>What to replay: the learner step, where to dump its batch and tensors (null: nowhere).</summary>
/// <param name="Journal">The run's journal (a cluster's PostgreSQL); null: the run folder's SQLite file.</param>
public sealed record ReplayOptions(long Step, string? DumpDirectory = null, JournalDatabase? Journal = null);
