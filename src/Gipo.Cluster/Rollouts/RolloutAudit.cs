using Gipo.Cluster.Coordination;

namespace Gipo.Cluster.Rollouts;

/// <summary>
/// Checks the rollout log against the journal (what <c>gipo status</c> runs after <see cref="LedgerAudit"/>): every
/// consumption the journal holds for a completed learner step, and not undone by a rollback, is in the log once, at
/// that step, and the log holds no other consumed group. Steps after the journal's learner step are in flight and
/// skipped, as are steps the log's size cap let go.
/// </summary>
public static class RolloutAudit
{
    /// <summary>Audits <paramref name="store"/> against <paramref name="journal"/>.</summary>
    /// <exception cref="InvalidDataException">The log cannot be read (the message names file and line).</exception>
    public static RolloutAuditReport Run(LedgerAuditReport journal, RolloutStore store)
    {
        ArgumentNullException.ThrowIfNull(journal);
        ArgumentNullException.ThrowIfNull(store);
        var keptFrom = store.KeptFromStep;
        var last = journal.FinalLearnerStep;
        bool Audited(long step) => step >= keptFrom && step <= last;

        var recorded = new Dictionary<long, List<long>>(); // group id → steps it is recorded at
        long pending = 0, dropped = 0, checkedGroups = 0;
        foreach (var (line, _, _) in store.Read())
        {
            if (line["kind"]?.GetValue<string>() != "group") continue;
            var step = line["step"]!.GetValue<long>();
            if (step > last)
            {
                pending++;
                continue;
            }
            if (!Audited(step)) continue;
            if (line["status"]?.GetValue<string>() != RolloutRecords.Consumed)
            {
                dropped++;
                continue;
            }
            checkedGroups++;
            var id = line["group_id"]!.GetValue<long>();
            if (!recorded.TryGetValue(id, out var steps)) recorded[id] = steps = [];
            steps.Add(step);
        }

        var problems = new List<string>();
        foreach (var (id, steps) in recorded.Where(kv => kv.Value.Count > 1).OrderBy(kv => kv.Key))
            problems.Add($"rollout log: group {id} is recorded {steps.Count} times (steps {string.Join(", ", steps)})");
        var live = journal.Consumptions.Where(c => !c.Undone && Audited(c.LearnerStep)).ToList();
        foreach (var c in live)
        {
            if (!recorded.TryGetValue(c.GroupId, out var steps))
                problems.Add($"rollout log: group {c.GroupId}, consumed at step {c.LearnerStep}, is missing");
            else if (!steps.Contains(c.LearnerStep))
                problems.Add($"rollout log: group {c.GroupId} was consumed at step {c.LearnerStep} but is recorded at step " +
                             $"{string.Join(", ", steps)}");
        }
        var consumed = live.Select(c => c.GroupId).ToHashSet();
        foreach (var id in recorded.Keys.Where(id => !consumed.Contains(id)).Order())
            problems.Add($"rollout log: group {id} is recorded as trained at step {string.Join(", ", recorded[id])}, " +
                         $"which the journal has no consumption of");
        return new RolloutAuditReport(checkedGroups, Math.Max(0, last - keptFrom + 1), keptFrom, pending, dropped, problems);
    }
}
