using System.CommandLine;
using System.Text.Json.Nodes;
using Gipo.Cluster.Rollouts;
using Gipo.Cluster.Runtime;

namespace Gipo.Cli;

/// <summary>
/// <c>gipo rollouts --run ID [--step S] [--failed] [--dropped] [--json]</c>: prints the run's rollout log (every group a
/// learner step trained on, and the dropped ones with the reason), read-only, while the run goes on or after it.
/// </summary>
internal static class RolloutsCommand
{
    public static Command Create()
    {
        var run = new Option<string>("--run") { Description = "run id (folder under --runs-dir) or run folder", Required = true };
        var runsDir = new Option<string>("--runs-dir") { Description = "where run folders live", DefaultValueFactory = _ => "runs" };
        var step = new Option<long?>("--step") { Description = "only this learner step" };
        var failed = new Option<bool>("--failed") { Description = "only responses the verifier failed (groups without one are left out)" };
        var dropped = new Option<bool>("--dropped") { Description = "only groups the ledger dropped (stale, filtered), with the reason" };
        var json = new Option<bool>("--json") { Description = "one JSON object per group: step, group_id, prompt_index, behaviour_version, " +
                                                              "rewards, status, drop_reason, members, …" };
        var command = new Command("rollouts", "Print a run's rollout log: the groups each learner step trained on or dropped.") { run, runsDir,
            step, failed, dropped, json };
        command.SetAction(r => CommandErrors.Run(() =>
        {
            var folder = RunFolder.Resolve(r.GetValue(run)!, r.GetValue(runsDir)!);
            if (!folder.Exists) throw new ArgumentException($"'{folder.Root}' is not a run folder: it has no run.conf");
            var store = new RolloutStore(folder.Rollouts);
            if (store.Files().Count == 0) throw new ArgumentException($"run {folder.Id} has no rollout log yet " +
                                                                      $"({folder.Rollouts} holds no steps-*.jsonl.gz)");
            var only = r.GetValue(step);
            var shown = 0;
            foreach (var (line, _, _) in store.Read())
            {
                if (line["kind"]?.GetValue<string>() != "group") continue;
                if (only is { } s && line["step"]!.GetValue<long>() != s) continue;
                if (r.GetValue(dropped) && line["status"]?.GetValue<string>() != RolloutRecords.Dropped) continue;
                if (r.GetValue(failed) && !KeepFailed(line)) continue;
                shown++;
                if (r.GetValue(json)) Console.WriteLine(line.ToJsonString());
                else Print(line);
            }
            if (!r.GetValue(json)) Console.WriteLine($"{shown} " +
                                                     $"group(s){(store.KeptFromStep > 1
                                                         ? $"; steps before {store.KeptFromStep} were pruned by run.rollout-log-max-mb" : "")}");
            return 0;
        }));
        return command;
    }

    /// <summary>Keeps only the failed members of <paramref name="line"/>; false when none failed.</summary>
    private static bool KeepFailed(JsonObject line)
    {
        var members = line["members"]!.AsArray();
        foreach (var m in members.ToList())
            if (m!["success"]!.GetValue<bool>()) members.Remove(m);
        return members.Count > 0;
    }

    private static void Print(JsonObject g)
    {
        var status = g["status"]!.GetValue<string>();
        var reason = g["drop_reason"]?.GetValue<string>();
        Console.WriteLine($"step {g["step"]} group {g["group_id"]} prompt {g["prompt_index"]} " +
                          $"({g["prompt_id"]}) behaviour v{g["behaviour_version"]} " +
                          $"{status}{(reason is null ? "" : $" ({reason})")} rewards " +
                          $"[{string.Join(", ", g["rewards"]!.AsArray().Select(x => x!.GetValue<double>().ToString("0.###")))}]");
        Console.WriteLine($"  prompt: {OneLine(g["prompt_text"]!.GetValue<string>())}");
        foreach (var m in g["members"]!.AsArray())
        {
            var adv = m!["advantage"] is JsonValue a ? $" A={a.GetValue<double>():+0.000;-0.000}" : "";
            Console.WriteLine($"  [{m["index"]}] reward " +
                              $"{m["reward"]!.GetValue<double>():0.###}{(m["success"]!.GetValue<bool>() ? " ok  " : " FAIL")}{adv} " +
                              $"{m["response_tokens"]!.AsArray().Count} tok, {m["finish"]}: {OneLine(m["response_text"]!.GetValue<string>())}");
        }
    }

    private static string OneLine(string text) => text.Replace("\r", "").Replace("\n", "⏎");
}
