namespace Gipo.Model.Checkpoints;

/// <summary>What the model card (<c>README.md</c>) of an exported checkpoint states about the run that made it.</summary>
/// <param name="RunId">The run's id (its folder name).</param>
/// <param name="BaseModel">The checkpoint the run started from, as the run named it (a folder).</param>
/// <param name="Task">The task or dataset trained on.</param>
/// <param name="Algorithm">One line naming the algorithm as configured (entropy control, probe, advantage, sampling).</param>
/// <param name="Step">Learner steps done.</param>
/// <param name="PolicyVersion">The policy version of the weights.</param>
/// <param name="Settings">Key settings, name and value, in the order to print.</param>
/// <param name="Metrics">The latest metrics, name and value, in the order to print.</param>
public sealed record ModelCardFacts(
    string RunId, string BaseModel, string Task, string Algorithm, long Step, long PolicyVersion,
    IReadOnlyList<KeyValuePair<string, string>> Settings, IReadOnlyList<KeyValuePair<string, string>> Metrics);
