using Gipo.Cluster.Serialization;
using Gipo.Core.Algorithm;

namespace Gipo.Cluster.Scoring;

// The messages of RewardScorer. Its output is the coordinator's GroupResult (and GenerationDone).

/// <summary>A generated group to verify: the G trajectories of one lease (all share its group id) and its prompt index.</summary>
public sealed record ScoreGroup(long PromptIndex, IReadOnlyList<Trajectory> Members) : IGipoMessage
{
    /// <summary>The lease's group id.</summary>
    public long GroupId => Members.Count > 0 ? Members[0].GroupId : -1;
}
