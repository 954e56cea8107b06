using System.CommandLine;
using System.Text.Json;
using Gipo.Cluster.Configuration;
using Gipo.Cluster.Metrics;
using Gipo.Core.Tasks;
using Gipo.Model;
using Gipo.Model.Checkpoints;
using Gipo.Model.Learning;

namespace Gipo.Cli;

/// <summary>
/// <c>gipo train</c>: RL from an SFT checkpoint with a preset. Today it runs synchronously in one process
/// (staleness 0); the asynchronous actor system replaces the loop, not the options.
/// </summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var config = new Option<FileInfo?>("--config") { Description = "preset, e.g. hocon/gipo-preset.conf (default: hocon/gipo.conf values)" };
        var set = new Option<string[]>("--set") { Description = "override a key: --set algorithm.optim.lr=3e-4 (repeatable)", AllowMultipleArgumentsPerToken = false };
        var baseCheckpoint = new Option<DirectoryInfo>("--base") { Description = "SFT checkpoint to start from (gipo sft writes one)", Required = true };
        var task = new Option<string>("--task") { Description = "column-add | countdown | swap-sort | mod-chain", DefaultValueFactory = _ => "column-add" };
        var steps = new Option<int>("--steps") { Description = "learner steps", DefaultValueFactory = _ => 30 };
        var evalEvery = new Option<int>("--eval-every") { Description = "steps between held-out evaluations", DefaultValueFactory = _ => 10 };
        var evalPrompts = new Option<int>("--eval-prompts") { DefaultValueFactory = _ => 200 };
        var trainSplit = new Option<string>("--train-split") { Description = "rl-train | sft-train", DefaultValueFactory = _ => "rl-train" };
        var evalSplit = new Option<string>("--eval-split") { Description = "rl-test | sft-test | ood", DefaultValueFactory = _ => "rl-test" };
        var output = new Option<DirectoryInfo?>("--out") { Description = "run folder (default runs/train-<time>)" };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 0 };
        var device = new Option<string>("--device") { DefaultValueFactory = _ => "auto" };
        var threads = new Option<int>("--threads") { DefaultValueFactory = _ => 0 };
        var json = new Option<bool>("--json") { Description = "last line: {eval_pass_at_1_start, eval_pass_at_1, steps, seconds, checkpoint}" };
        var command = new Command("train", "RL training (GIPO, DAPO, GRPO, Dr. GRPO presets) from an SFT checkpoint.")
        {
            config, set, baseCheckpoint, task, steps, evalEvery, evalPrompts, trainSplit, evalSplit, output, seed, device, threads, json,
        };
        command.SetAction(r => CommandErrors.Run(() =>
        {
            var settings = AlgorithmSettingsReader.Read(GipoSettings.Load(r.GetValue(config)?.FullName, r.GetValue(set) ?? []));
            var reasoningTask = ReasoningTasks.Get(r.GetValue(task)!);
            var options = new SynchronousRunOptions
            {
                Steps = r.GetValue(steps), EvalEvery = r.GetValue(evalEvery), EvalPrompts = r.GetValue(evalPrompts), Seed = r.GetValue(seed),
                TrainSplit = ParseSplit(r.GetValue(trainSplit)!), EvalSplit = ParseSplit(r.GetValue(evalSplit)!),
            };
            var outDir = r.GetValue(output)?.FullName ?? Path.GetFullPath(Path.Combine("runs", $"train-{DateTime.UtcNow:yyyyMMdd-HHmmss}"));
            Directory.CreateDirectory(outDir);
            TorchRuntime.SetThreads(r.GetValue(threads));
            var dev = TorchRuntime.ResolveDevice(r.GetValue(device)!);
            TorchSharp.torch.manual_seed(options.Seed);
            var baseDir = r.GetValue(baseCheckpoint)!.FullName;
            using var policy = HfCheckpoint.Load(baseDir, dev);
            using var reference = settings.Loss.KlBeta > 0 ? HfCheckpoint.Load(baseDir, dev) : null;
            var (tokenizer, tokenizerJson) = CheckpointTokenizer.Load(baseDir, policy.Config);
            using var learner = new GipoLearner(policy, tokenizer, settings, reference, options.Seed);
            Console.Error.WriteLine($"train: {reasoningTask.Name}, entropy {settings.Entropy.Mode}, ib {(settings.IbEnabled ? "on" : "off")}, " +
                                    $"{settings.GroupsPerStep}×{settings.GroupSize} per step, log {Path.Combine(outDir, "metrics.jsonl")}");

            double? start = null, last = null;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            using (var log = new StreamWriter(Path.Combine(outDir, "metrics.jsonl")) { AutoFlush = true })
            {
                ConsoleProgress.Run("train", options.Steps, update =>
                {
                    foreach (var s in new SynchronousRun(policy, tokenizer, reasoningTask, learner, settings).Run(options))
                    {
                        if (s.EvalPassAt1 is { } e) { start ??= e; last = e; }
                        var m = s.Learner;
                        log.WriteLine(JsonSerializer.Serialize(new
                        {
                            step = m?.Step ?? learner.Step, policy_version = learner.PolicyVersion, reward_mean = m?.RewardMean,
                            samples_total = s.SamplesTotal, groups_examined = s.GroupsExamined, groups_filtered = s.GroupsFiltered,
                            eval_pass_at_1 = s.EvalPassAt1, pg_loss = m?.Loss.PgLoss, clip_frac_high = m?.Loss.ClipFractionHigh,
                            clip_frac_low = m?.Loss.ClipFractionLow, is_weight_mean_abs_dev = m?.Loss.MeanAbsWeightMinusOne,
                            token_entropy = m?.TokenEntropy, bucket_entropy = m?.BucketEntropy.Select(Finite), bucket_target = m?.BucketTarget,
                            bucket_alpha = m?.BucketAlpha, calibrating = m?.Calibrating, ib_auroc = m?.IbBatchAuroc, ib_auc_ema = m?.IbAucEma,
                            ib_rho = m?.IbRho, ib_bce = m?.IbBce, ib_sign_flip = m?.IbSignFlipFraction, ib_brier = m?.IbBrier,
                            ib_calibration_gap = m?.IbCalibrationGap, ib_train_states = m?.IbTrainStates,
                            ib_filtered_groups = m?.IbFilteredGroups, ib_policy_loss = m?.IbPolicyLoss, grad_norm = m?.GradNorm, seconds = s.Seconds,
                            learner_seconds = m?.Seconds, prox_seconds = m?.ProxSeconds, advantage_seconds = m?.AdvantageSeconds, ppo_seconds = m?.PpoSeconds,
                        }));
                        update(m?.Step ?? 0, $"reward {m?.RewardMean:F2} H {m?.TokenEntropy:F2} pass@1 {last:F3}", s.EvalPassAt1 is not null);
                        if (s.EvalPassAt1 is not null) MetricsPlots.RenderTrain(Path.Combine(outDir, "metrics.jsonl"), outDir);
                    }
                    return 0;
                });
            }
            MetricsPlots.RenderTrain(Path.Combine(outDir, "metrics.jsonl"), outDir);
            var checkpoint = Path.Combine(outDir, "checkpoint");
            HfCheckpoint.Save(policy, checkpoint, tokenizerJson);
            if (r.GetValue(json))
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    eval_pass_at_1_start = start, eval_pass_at_1 = last, steps = learner.Step, seconds = Math.Round(clock.Elapsed.TotalSeconds, 1), checkpoint,
                }));
            else
                Console.WriteLine($"held-out pass@1 {start:F3} → {last:F3} after {learner.Step} steps; checkpoint: {checkpoint}");
            return 0;
        }));
        return command;
    }

    private static double? Finite(double v) => double.IsFinite(v) ? v : null;

    private static Split ParseSplit(string s) => s switch
    {
        "rl-train" => Split.RlTrain, "sft-train" => Split.SftTrain, "rl-test" => Split.RlTest, "sft-test" => Split.SftTest, "ood" => Split.Ood,
        _ => throw new ArgumentException($"unknown split '{s}' (rl-train, sft-train, rl-test, sft-test, ood)"),
    };
}
