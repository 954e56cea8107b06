using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Gipo.Cluster.Configuration;
using Gipo.Cluster.Coordination;
using Gipo.Cluster.Runtime;

namespace Gipo.Cli;

/// <summary>
/// <c>gipo set --run ID key=value …</c>: changes a running run's settings without a restart. The change is validated
/// here first, exactly like a start-up setting, so an invalid one is refused before anything is written; then it goes
/// to the run's coordinator through the run folder (<see cref="SettingsRequestFolder"/>), which validates it again,
/// journals it as a <see cref="SettingsChanged"/> event in force from the next step boundary, and answers.
/// </summary>
internal static class SetCommand
{
    public static Command Create()
    {
        var run = new Option<string>("--run") { Description = "run id (folder under --runs-dir) or run folder", Required = true };
        var runsDir = new Option<string>("--runs-dir") { Description = "where run folders live", DefaultValueFactory = _ => "runs" };
        var json = new Option<bool>("--json") { Description = "one JSON object: run_id, request_id, effective_step, changes" };
        var postgres = new Option<string?>("--postgres") { Description = "the cluster's journal " +
                                                                         "(Npgsql connection string) instead of the run folder's SQLite " +
                                                                         "file [GIPO_POSTGRES]" };
        var timeout =
            new Option<int>("--timeout") { Description = "seconds to wait for the run's coordinator to answer", DefaultValueFactory = _ => 60 };
        var changes = new Argument<string[]>("key=value") { Description = $"settings to change, e.g. algorithm.optim.lr=5e-5 (live: " +
                                                                          $"{string.Join(", ", LiveSettings.Keys.Keys)})",
                                                                          Arity = ArgumentArity.OneOrMore };
        var command = new Command("set", "Change a running run's settings; the change is journaled and takes effect at the next learner step.")
        {
            run, runsDir, json, postgres, timeout, changes,
        };
        command.SetAction(r => CommandErrors.Run(() =>
        {
            var folder = RunFolder.Resolve(r.GetValue(run)!, r.GetValue(runsDir)!);
            var settings = folder.ReadConfig();
            var wanted = LiveSettings.Parse(r.GetValue(changes) ?? []);
            var ledgerSettings = RunSettings.Read(settings).Ledger(AlgorithmSettingsReader.Read(settings));
            var pg = r.GetValue(postgres) ?? GipoEnvironment.Get(GipoEnvironment.Postgres);
            var journal = pg is not null ? StatusCommand.ReadPostgres(pg, folder.Id) : RunFolderContents.Journal(folder);
            var ledger = journal.Replay(ledgerSettings);
            var requestId = Guid.NewGuid().ToString("N");

            // The coordinator decides again on the journal as it is then; deciding here first refuses a bad change
            // before anything is written, with the same reasons.
            var check = ledger.ChangeSettings(requestId, wanted, (journaled, candidate) => Invalid(settings, journaled, candidate));
            if (check.Refusal is { } refusal) throw new ArgumentException($"run {folder.Id}: change refused: {refusal}");

            var inbox = SettingsRequestFolder.Of(folder);
            inbox.Submit(new SettingsRequest(requestId, wanted));
            var reply = Await(inbox, requestId, TimeSpan.FromSeconds(Math.Max(1, r.GetValue(timeout))), folder.Id);
            if (!reply.Accepted) throw new ArgumentException($"run {folder.Id}: change refused by the coordinator: {reply.Reason}");

            var accepted = reply.Changes ?? wanted;
            if (r.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    run_id = folder.Id, request_id = requestId, effective_step = reply.EffectiveStep,
                    changes = accepted.ToDictionary(c => c.Key, c => c.Value),
                }));
            }
            else
            {
                Console.WriteLine($"run {folder.Id}: from step {reply.EffectiveStep}: " +
                                  $"{string.Join(", ", accepted.Select(c => $"{c.Key} = {c.Value}"))}");
            }
            return 0;
        }));
        return command;
    }

    private static string? Invalid(GipoSettings settings, IReadOnlyList<SettingsChanged> journaled, SettingsChanged candidate)
    {
        try
        {
            LiveSettings.Validate(settings, journaled, candidate.Changes, candidate.EffectiveStep);
            return null;
        }
        catch (ArgumentException e)
        {
            return e.Message;
        }
    }

    /// <summary>
    /// The coordinator's reply. Unclaimed at the deadline, the request is withdrawn and nothing changed (the run is not
    /// going); claimed, the coordinator is deciding, and the reply is awaited as long again.
    /// </summary>
    private static SettingsReply Await(SettingsRequestFolder inbox, string requestId, TimeSpan timeout, string runId)
    {
        var clock = Stopwatch.StartNew();
        var withdrawAttempted = false;
        while (true)
        {
            if (inbox.TakeReply(requestId) is { } reply) return reply;
            if (clock.Elapsed > timeout && !withdrawAttempted)
            {
                withdrawAttempted = true;
                if (inbox.TryWithdraw(requestId))
                    throw new TimeoutException($"run {runId}: no coordinator took the change within {timeout.TotalSeconds:F0} s " +
                                               $"(is the run going?); it was withdrawn and nothing changed");
            }
            if (clock.Elapsed > 2 * timeout)
                throw new TimeoutException($"run {runId}: the coordinator took request {requestId} but did not answer within " +
                                           $"{2 * timeout.TotalSeconds:F0} s; see gipo status --run {runId} for whether it was journaled");
            Thread.Sleep(100);
        }
    }
}
