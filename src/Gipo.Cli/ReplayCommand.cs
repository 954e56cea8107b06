using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Gipo.Cluster.Coordination;
using Gipo.Cluster.Replay;
using Gipo.Cluster.Runtime;
using Gipo.Model.Native;

namespace Gipo.Cli;

/// <summary>
/// <c>gipo replay --run ID --step S [--dump DIR] [--json] [--tolerance X]</c>: rebuilds learner step S from the run's
/// record (checkpoint before S, the rollout log's batches, settings in force) and runs it again
/// (<see cref="StepReplay"/>). Exit 0 when the replay is bit-identical (or, with <c>--tolerance</c>, within it), 4 when
/// it differs, 1 on bad input.
/// </summary>
internal static class ReplayCommand
{
    public static Command Create()
    {
        var run = new Option<string>("--run") { Description = "run id (folder under --runs-dir) or run folder", Required = true };
        var runsDir = new Option<string>("--runs-dir") { Description = "where run folders live", DefaultValueFactory = _ => "runs" };
        var step = new Option<long>("--step") { Description = "the learner step to replay (1 for the first)", Required = true };
        var dump = new Option<string?>("--dump") { Description = "write the step's batch (batch.jsonl), per-token tensors " +
                                                                 "(tensors.safetensors) and the report (replay.json) here" };
        var json = new Option<bool>("--json") { Description = "one JSON object: step, identical, max_abs_diff, params_sha256_original, " +
                                                              "params_sha256_replayed, …" };
        var tolerance = new Option<double>("--tolerance") { Description = "exit 0 when every difference is at most this (GPU runs; " +
                                                                          "0 = bit-identical only)", DefaultValueFactory = _ => 0 };
        var postgres = new Option<string?>("--postgres") { Description = "the cluster's journal " +
                                                                         "(Npgsql connection string) instead of the run folder's SQLite " +
                                                                         "file [GIPO_POSTGRES]" };
        var command = new Command("replay", "Replay one learner step of a run from its checkpoint and rollout log, and compare it with the original.")
        {
            run, runsDir, step, dump, json, tolerance, postgres,
        };
        command.SetAction(r => CommandErrors.Run(() =>
        {
            var folder = RunFolder.Resolve(r.GetValue(run)!, r.GetValue(runsDir)!);
            var tol = r.GetValue(tolerance);
            if (!(tol >= 0)) throw new ArgumentException($"--tolerance {tol}: must be 0 or more");
            NativeTorch.EnsureLoaded();
            var pg = r.GetValue(postgres) ?? GipoEnvironment.Get(GipoEnvironment.Postgres);
            var options = new ReplayOptions(r.GetValue(step), r.GetValue(dump), pg is null ? null : JournalDatabase.Postgres(pg));
            var report = StepReplay.Run(folder, options, line => Console.Error.WriteLine(line));
            var accepted = report.Identical || (tol > 0 && report.MaxAbsDiff <= tol);
            if (r.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    step = report.Step, identical = report.Identical, max_abs_diff = report.MaxAbsDiff,
                    params_sha256_original = report.ParamsSha256Original, params_sha256_replayed = report.ParamsSha256Replayed,
                    from_checkpoint_step = report.FromCheckpointStep, steps_replayed = report.StepsReplayed,
                    metrics_compared = report.MetricsCompared,
                    torch_threads = report.TorchThreads,
                    differences = report.Differences.Take(50).Select(d => new
                    {
                        step = d.Step, key = d.Key, original = d.Original, replayed = d.Replayed,
                        abs_diff = double.IsFinite(d.AbsDiff) ? d.AbsDiff : (double?)null,
                    }),
                }));
            }
            else
            {
                Console.WriteLine($"step {report.Step} of run {folder.Id}: replayed steps {report.StepsReplayed[0]}…{report.Step} from " +
                                  (report.FromCheckpointStep > 0 ? $"the checkpoint of step {report.FromCheckpointStep}" : "the base model") +
                                  $" with {report.TorchThreads} torch thread(s)");
                Console.WriteLine(report.Identical
                    ? $"  identical: {report.MetricsCompared} metric values and the parameters' SHA-256 " +
                      $"({report.ParamsSha256Replayed[..16]}…) match bit for bit"
                    : $"  DIFFERENT: {report.Differences.Count} difference(s), largest |Δ| = " +
                      $"{report.MaxAbsDiff.ToString("G6", CultureInfo.InvariantCulture)}");
                foreach (var d in report.Differences.Take(20))
                    Console.WriteLine($"    step {d.Step} {d.Key}: {d.Original} → {d.Replayed}");
            }
            return accepted ? 0 : 4;
        }));
        return command;
    }
}
