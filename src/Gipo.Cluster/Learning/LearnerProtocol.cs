using Gipo.Cluster.Serialization;

namespace Gipo.Cluster.Learning;

// The messages LearnerActor sends beyond the coordinator's, scheduler's, store's and sink's protocols.

/// <summary>The run reached its target step: the last checkpoint is committed and the last evaluation logged.</summary>
/// <param name="EvalPassAt1">The final held-out pass@1.</param>
/// <param name="Checkpoint">The final checkpoint's folder (an HF checkpoint plus optimizer/probe/scheduler state).</param>
public sealed record RunFinished(long Step, long PolicyVersion, double? EvalPassAt1, string Checkpoint) : IGipoMessage;

/// <summary>The learner could not start or continue (bad checkpoint, a config that no longer matches the journal, a step
/// failure that would repeat on every retry). The run stops.</summary>
public sealed record RunFailed(string Reason) : IGipoMessage;
