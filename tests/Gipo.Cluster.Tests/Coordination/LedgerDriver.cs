using Gipo.Cluster.Coordination;

namespace Gipo.Cluster.Tests.Coordination;

/// <summary>A ledger plus the log of every event applied to it, with the common command sequences.</summary>
internal sealed class LedgerDriver(LedgerSettings settings)
{
    public RunLedger Ledger { get; } = new(settings);

    public List<ILedgerEvent> Log { get; } = [];

    /// <summary>Applies and records <paramref name="events"/>.</summary>
    public IReadOnlyList<ILedgerEvent> Do(IReadOnlyList<ILedgerEvent> events)
    {
        foreach (var e in events)
        {
            Ledger.Apply(e);
            Log.Add(e);
        }
        return events;
    }

    /// <summary>Leases one group to <paramref name="holder"/>; fails when refused.</summary>
    public GroupIssued Issue(string holder = "sampler-a", long? samplerVersion = null, DateTime? now = null)
    {
        var d = Ledger.RequestWork(holder, samplerVersion ?? Ledger.PolicyVersion, now ?? LedgerTestData.T0);
        Assert.True(d.Lease is not null, $"lease refused: {d.Refusal}");
        Do([d.Lease!]);
        return d.Lease!;
    }

    /// <summary>Scores group <paramref name="groupId"/> (at its sampler's version unless given).</summary>
    public ResultDecision Score(long groupId, bool informative = true, long? version = null)
    {
        var g = Ledger.Group(groupId) ?? throw new InvalidOperationException($"group {groupId} is not tracked");
        var d = Ledger.RecordResult(groupId, LedgerTestData.Outcome(version ?? g.SamplerVersion, Ledger.Settings.GroupSize, informative));
        Do(d.Events);
        return d;
    }

    /// <summary>Takes the batch of the next step (all payloads present) and completes it at version + 1.</summary>
    public IReadOnlyList<long> Step()
    {
        var step = Ledger.LearnerStep + 1;
        var batch = Ledger.NextBatch(step, _ => true);
        Assert.True(batch.Outcome == BatchOutcome.Ready, batch.Reason);
        Do(batch.Events);
        var done = Ledger.CompleteStep(step, Ledger.PolicyVersion + 1);
        Assert.True(done.Accepted, done.Rejection);
        Do(done.Events);
        return batch.GroupIds;
    }

    /// <summary>Applies an accepted learner command; fails when rejected.</summary>
    public void Accept(CommandDecision decision)
    {
        Assert.True(decision.Accepted, decision.Rejection);
        Do(decision.Events);
    }
}
