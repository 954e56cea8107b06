using System.CommandLine;
using System.Text.Json;
using Gipo.Cluster.Configuration;
using Gipo.Cluster.Coordination;
using Gipo.Cluster.Rollouts;
using Gipo.Cluster.Runtime;

namespace Gipo.Cli;

/// <summary>
/// <c>gipo status --run ID</c>: a run's progress from its journal (read-only; works while the run is going and after):
/// learner step and policy version, target, groups by ledger state and drop reason, the last checkpoint, and an audit
/// of the event log (nothing lost, nothing trained twice, the staleness bound in force at each step held) and of the
/// rollout log against it (every consumed group recorded once, none missing), the live settings changes
/// (<c>gipo set</c>) with the steps they took effect at, and per node the leases it was given and how they ended, the
/// samples it delivered, its recent samples/s and when the journal last saw it (<see cref="NodeActivityTally"/>).
/// </summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var run = new Option<string>("--run") { Description = "run id (folder under --runs-dir) or run folder", Required = true };
        var runsDir = new Option<string>("--runs-dir") { Description = "where run folders live", DefaultValueFactory = _ => "runs" };
        var json = new Option<bool>("--json") { Description = "one JSON object: step, policy_version, target_steps, finished, groups, " +
                                                              "last_checkpoint, nodes, audit, settings_changes" };
        var postgres = new Option<string?>("--postgres") { Description = "the cluster's journal " +
                                                                         "(Npgsql connection string) instead of the run folder's SQLite " +
                                                                         "file [GIPO_POSTGRES]" };
        var command = new Command("status", "Show a training run's state from its journal.") { run, runsDir, json, postgres };
        command.SetAction(r => CommandErrors.Run(() =>
        {
            var folder = RunFolder.Resolve(r.GetValue(run)!, r.GetValue(runsDir)!);
            var settings = folder.ReadConfig();
            var ledger = RunSettings.Read(settings).Ledger(AlgorithmSettingsReader.Read(settings));
            var pg = r.GetValue(postgres) ?? GipoEnvironment.Get(GipoEnvironment.Postgres);
            if (pg is null && RunSettings.Read(settings).Journal == "postgres")
                throw new ArgumentException($"run '{folder.Id}' journals to PostgreSQL ({folder.ConfigFile}: " +
                                            $"gipo.run.journal = postgres) and this status cannot see it: " +
                                            "pass --postgres CONNECTION (or set GIPO_POSTGRES)");
            var journal = pg is not null ? ReadPostgres(pg, folder.Id) : RunFolderContents.Journal(folder);
            var replayed = pg is null ? RunFolderContents.Replay(folder, journal, ledger) : journal.Replay(ledger);
            var status = replayed.Status;
            var changes = replayed.SettingsChanges;
            var audit = journal.IsComplete ? LedgerAudit.Run(ledger, journal.Events) : null;
            var store = new RolloutStore(folder.Rollouts);
            var rollouts = audit is not null && store.Files().Count > 0 ? RolloutAudit.Run(audit, store) : null;
            var clean = audit is null || (audit.Clean && rollouts is not { Clean: false });
            var problems = (audit?.Problems() ?? []).Concat(rollouts?.Problems ?? []).ToList();
            var (start, last) = TrainCommand.EvalRange(folder.Metrics);
            var nodes = NodeActivityTally.Of(journal, ledger.LeaseDuration);
            // Rounds of B groups dynamic sampling filtered for the next step with none kept (the batch decision is pure:
            // asking changes nothing). Non-zero: every reward of those groups was equal, e.g. all 0.
            var next = status.Finished ? null : replayed.NextBatch(status.LearnerStep + 1, _ => true);
            var emptyRounds = next?.EmptyRounds ?? 0;
            var groups = new Dictionary<string, object>
            {
                ["issued"] = status.Groups.Issued, ["generated"] = status.Groups.Generated, ["scored"] = status.Groups.Scored,
                ["consumed"] = status.Groups.Consumed, ["dropped"] = status.Groups.Dropped,
                ["dropped_by_reason"] = DropReasons.All.ToDictionary(d => d.Name(), d => status.Drops[d]),
                ["total_issued"] = status.TotalIssued, ["requeued"] = status.Requeued,
            };
            if (r.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    run_id = folder.Id, step = status.LearnerStep, policy_version = status.PolicyVersion, target_steps = status.TargetSteps,
                    // Finished means the last step is done and its checkpoint committed: a run stopped between the two is not.
                    finished = status.Complete, groups, samples_consumed = status.SamplesConsumed, empty_rounds = emptyRounds,
                    last_checkpoint = status.LastCheckpoint is { } c ? new { step = c.LearnerStep, policy_version = c.PolicyVersion,
                        manifest = CheckpointPath.Resolve(folder.Root, c.Path), sha256 = c.Sha256 } : null,
                    eval_pass_at_1_start = start, eval_pass_at_1 = last, journal_events = journal.LastSequenceNr,
                    nodes = NodesJson(nodes), nodes_from_event = journal.SnapshotSequenceNr + 1,
                    settings_changes = changes.Select(c => new
                    {
                        request_id = c.RequestId, effective_step = c.EffectiveStep, changes = c.Changes.ToDictionary(x => x.Key, x => x.Value),
                    }).ToList(),
                    audit = audit is null ? null : new
                    {
                        clean, consumed_twice = audit.ConsumedTwice.Count, lost = audit.Lost.Count,
                        staleness_violations = audit.StalenessViolations.Count, rollbacks = audit.Counts.Rollbacks,
                        problems = problems.Take(20).ToList(),
                        rollout_log = rollouts is null ? null : new
                        {
                            clean = rollouts.Clean, groups = rollouts.GroupsChecked, steps = rollouts.Steps, dropped = rollouts.Dropped,
                            pending = rollouts.Pending, kept_from_step = rollouts.KeptFromStep, problems = rollouts.Problems.Count,
                        },
                    },
                }));
                return 0;
            }
            Console.WriteLine($"run {folder.Id} ({folder.Root})");
            Console.WriteLine($"  step {status.LearnerStep} / " +
                $"{status.TargetSteps}{(status.Complete ? " (finished)" : status.Finished
                    ? " (last step done, its checkpoint not committed: gipo train --resume finishes it)"
                        : "")}, policy version {status.PolicyVersion}");
            Console.WriteLine($"  groups: {status.TotalIssued} issued in all; now {status.Groups.Issued} issued, " +
                              $"{status.Groups.Generated} generated, " +
                              $"{status.Groups.Scored} scored, {status.Groups.Consumed} consumed, {status.Groups.Dropped} dropped; " +
                              $"{status.Requeued} waiting to be re-issued");
            Console.WriteLine("  dropped: " + string.Join(", ", DropReasons.All.Select(d => $"{d.Name()} {status.Drops[d]}")));
            if (emptyRounds > 0) Console.WriteLine($"  dynamic sampling: {next!.Reason}");
            Console.WriteLine(status.LastCheckpoint is { } ck ? $"  last checkpoint: step {ck.LearnerStep} " +
                                                                $"({CheckpointPath.Folder(folder.Root, ck.Path)})" : "  last checkpoint: none yet");
            foreach (var c in changes)
                Console.WriteLine($"  settings changed from step {c.EffectiveStep}: " +
                                  $"{string.Join(", ", c.Changes.Select(x => $"{x.Key} = {x.Value}"))}");
            foreach (var line in NodesText(nodes, journal.SnapshotSequenceNr, DateTime.UtcNow)) Console.WriteLine(line);
            if (start is not null) Console.WriteLine($"  held-out pass@1: {start:F3} at step 0 → {last:F3} at the last evaluation");
            if (audit is not null)
                Console.WriteLine(audit.Clean
                    ? $"  journal audit: clean ({audit.CleanSummary()})"
                    : "  journal audit: PROBLEMS\n    " + string.Join("\n    ", audit.Problems()));
            if (rollouts is not null)
                Console.WriteLine(rollouts.Clean
                    ? $"  rollout log: clean ({rollouts.GroupsChecked} trained groups of {rollouts.Steps} steps recorded once each, none missing; " +
                      $"{rollouts.Dropped} dropped recorded" +
                      $"{(rollouts.Pending > 0 ? $"; {rollouts.Pending} of a step in flight" : "")})"
                    : "  rollout log: PROBLEMS\n    " + string.Join("\n    ", rollouts.Problems));
            return clean ? ExitCodes.Ok : ExitCodes.AuditProblem;
        }));
        return command;
    }

    /// <summary>The <c>nodes</c> array of <c>status --json</c>: one object per node, by address.</summary>
    internal static IReadOnlyList<Dictionary<string, object?>> NodesJson(IReadOnlyList<NodeActivity> nodes) =>
        [.. nodes.Select(n => new Dictionary<string, object?>
        {
            ["node"] = n.Node, ["leases_issued"] = n.LeasesIssued, ["leases_completed"] = n.LeasesCompleted, ["leases_reissued"] = n.LeasesReissued,
            ["samples_delivered"] = n.SamplesDelivered, ["samples_per_second"] = n.SamplesPerSecond,
            ["last_seen"] = n.LastSeenUtc?.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture),
        })];

    /// <summary>The per-node lines of the text status; <paramref name="nowUtc"/> dates "last seen … ago".</summary>
    internal static IReadOnlyList<string> NodesText(IReadOnlyList<NodeActivity> nodes, long snapshotSequenceNr, DateTime nowUtc)
    {
        if (nodes.Count == 0) return ["  nodes: none has leased work yet"];
        var since = snapshotSequenceNr > 0 ? $" (from journal event {snapshotSequenceNr + 1}; earlier ones are in a snapshot)" : "";
        var lines = new List<string> { $"  nodes{since}: leases issued / completed / re-issued, samples delivered, " +
                                       $"samples/s over the last {NodeActivityTally.Window.TotalSeconds:F0} s of the journal, last seen" };
        foreach (var n in nodes)
        {
            var rate = n.SamplesPerSecond is { } r ? r.ToString("F2", System.Globalization.CultureInfo.InvariantCulture) : "-";
            var seen = n.LastSeenUtc is { } t ? $"{t:yyyy-MM-dd HH:mm:ss} UTC ({Ago(nowUtc - t)} ago)" : "unknown";
            lines.Add($"    {n.Node}: {n.LeasesIssued} / {n.LeasesCompleted} / {n.LeasesReissued}, {n.SamplesDelivered} samples, " +
                      $"{rate} samples/s, last seen {seen}");
        }
        return lines;
    }

    private static string Ago(TimeSpan t) =>
        t < TimeSpan.Zero ? "0 s" : t.TotalSeconds < 120 ? $"{t.TotalSeconds:F0} s" : t.TotalMinutes < 120 ? $"{t.TotalMinutes:F0} min"
            : $"{t.TotalHours:F1} h";

    /// <summary>The run's journal in a cluster's PostgreSQL database (an unreachable server is an error naming it).</summary>
    internal static RunJournal ReadPostgres(string connectionString, string runId)
    {
        var database = JournalDatabase.Postgres(connectionString);
        try
        {
            database.Prepare();
        }
        catch (InvalidOperationException e)
        {
            throw new IOException(e.Message, e);
        }
        try
        {
            return RunJournalReader.ReadAsync(database, runId).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e.GetBaseException() is Npgsql.PostgresException { SqlState: "42P01" })
        {
            return new RunJournal(runId, [], 0, null, 0); // the database exists, the journal tables not yet
        }
    }
}
