using Gipo.Core.Algorithm.Objective;

namespace Gipo.Core.Algorithm;

/// <summary>A prompt's G trajectories with their scores: the unit of advantage computation and of batching.</summary>
/// <param name="ReferenceAnswer">The task's reference answer y* (e.g. <c>5689</c>, as written after <c>A:</c>), or null
/// when the producer does not know it. Only <c>ib.phi_source = ref_answer_prob</c> (§C.9) reads it; the verdict on
/// each trajectory is already in <paramref name="Scores"/>.</param>
public sealed record ScoredGroup(
    long GroupId, string PromptId, IReadOnlyList<Trajectory> Members, IReadOnlyList<OutcomeScore> Scores, string? ReferenceAnswer = null)
{
    /// <summary>Oldest behaviour version in the group: staleness is measured from it (§A.8).</summary>
    public long MinVersion => Members.Min(m => m.BehaviourVersion);

    /// <summary>Rewards differ within the group, so it carries a learning signal (§A.7, <see cref="DynamicSampling.IsInformative"/>).</summary>
    public bool Informative => DynamicSampling.IsInformative([.. Scores.Select(s => s.Reward)]);

    public ScoredGroup Validate()
    {
        if (Members.Count < 2) throw new ArgumentException($"group {GroupId}: needs at least 2 samples, has {Members.Count}");
        if (Members.Count != Scores.Count) throw new ArgumentException($"group {GroupId}: {Members.Count} trajectories but {Scores.Count} scores");
        if (ReferenceAnswer is { Length: 0 }) throw new ArgumentException($"group {GroupId}: empty reference answer (null means none is known)");
        for (var i = 0; i < Members.Count; i++)
        {
            Members[i].Validate();
            if (Members[i].TrajectoryId != Scores[i].TrajectoryId)
                throw new ArgumentException($"group {GroupId}: score {i} is for trajectory {Scores[i].TrajectoryId}, not {Members[i].TrajectoryId}");
            if (!double.IsFinite(Scores[i].Reward)) throw new ArgumentException($"group {GroupId}: " +
                                                                                $"reward of trajectory {Scores[i].TrajectoryId} is not finite");
        }
        return this;
    }
}
