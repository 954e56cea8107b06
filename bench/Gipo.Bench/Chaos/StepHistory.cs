using Gipo.Cluster.Coordination;

namespace Gipo.Bench.Chaos;

/// <summary>
/// The journal's account of the learner's steps over a whole run: how often each step was completed and every
/// rollback with the step the ledger was at when it happened. A step completed twice was trained again after a
/// rollback past it: work lost.
/// </summary>
/// <param name="CompletedTwice">Learner steps with more than one <see cref="LearnerStepCompleted"/> event.</param>
/// <param name="Rollbacks">Each <see cref="RolledBackToCheckpoint"/>: the step the ledger had reached, and the checkpoint's step it went back
/// to.</param>
/// <param name="Checkpoints">The learner step of every <see cref="CheckpointCommitted"/>, in journal order.</param>
internal sealed record StepHistory(IReadOnlyList<long> CompletedTwice, IReadOnlyList<(long From, long To)> Rollbacks, IReadOnlyList<long> Checkpoints)
{
    /// <summary>The history of <paramref name="events"/>, a run's journal in order.</summary>
    public static StepHistory Of(IEnumerable<ILedgerEvent> events)
    {
        var completions = new Dictionary<long, int>();
        var rollbacks = new List<(long, long)>();
        var checkpoints = new List<long>();
        long step = 0;
        foreach (var e in events)
        {
            switch (e)
            {
                case LearnerStepCompleted c:
                    completions[c.LearnerStep] = completions.GetValueOrDefault(c.LearnerStep) + 1;
                    step = c.LearnerStep;
                    break;
                case RolledBackToCheckpoint r:
                    rollbacks.Add((step, r.LearnerStep));
                    step = r.LearnerStep;
                    break;
                case CheckpointCommitted k:
                    checkpoints.Add(k.LearnerStep);
                    break;
            }
        }
        return new StepHistory([.. completions.Where(kv => kv.Value > 1).Select(kv => kv.Key).Order()], rollbacks, checkpoints);
    }

    /// <summary>Learner steps undone by rollbacks (each retrained later).</summary>
    public long StepsUndone => Rollbacks.Sum(r => r.From - r.To);

    public override string ToString() =>
        $"steps completed twice [{string.Join(", ", CompletedTwice)}], rollbacks [{string.Join(", ", Rollbacks.Select(r => $"{r.From}→{r.To}"))}], " +
        $"checkpoints [{string.Join(", ", Checkpoints)}]";
}
