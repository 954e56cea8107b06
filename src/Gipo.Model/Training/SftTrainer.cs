using System.Diagnostics;
using System.Text.Json;
using Gipo.Core;
using Gipo.Core.Tasks;
using Gipo.Core.Tokenization;
using Gipo.Model.Checkpoints;
using Gipo.Model.Evaluation;
using Gipo.Model.Sampling;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Gipo.Model.Training;

/// <summary>
/// Supervised warm-start (docs/algorithm.md §E.1): trains the policy on solver-written solutions (a random path
/// where several exist), evaluates sampled pass@1 on held-out problems every few steps, and stops at the
/// target pass@1 — low on purpose, so RL has headroom — or at the step or time limit. Writes an HF-layout
/// checkpoint and one JSON line per step to <c>sft.jsonl</c>.
/// </summary>
public sealed class SftTrainer(PolicyModel model, ITextTokenizer tokenizer, string tokenizerJson)
{
    /// <summary>Runs the warm start on the built-in task named by <see cref="SftOptions.Task"/>.</summary>
    public SftResult Run(SftOptions options, string outputDir, IProgress<SftProgress>? progress = null, CancellationToken cancel = default) =>
        Run(ReasoningTasks.Get(options.Validate().Task), options, outputDir, progress, cancel);

    /// <summary>
    /// Runs the warm start on <paramref name="task"/> (a dataset task, for one): its training split's solutions are the
    /// targets, its held-out split decides when to stop. <see cref="SftOptions.Task"/> only labels the checkpoint.
    /// </summary>
    public SftResult Run(IReasoningTask task, SftOptions options, string outputDir, IProgress<SftProgress>? progress = null,
                         CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(task);
        options.ValidateSettings();
        var rng = new Random(options.Seed);
        var evalProblems = task.Sample(options.EvalSplit, options.EvalPrompts, options.Seed + 1);
        var evaluator = new TaskEvaluator(model, tokenizer, task);
        var evalOptions = new SamplingOptions(MaxNewTokens: options.MaxNewTokens);
        Directory.CreateDirectory(outputDir);
        using var log = new StreamWriter(Path.Combine(outputDir, "sft.jsonl"), append: false) { AutoFlush = true };
        using var optimizer = new FlatAdamW(model.named_parameters(), options.LearningRate, weightDecay: options.WeightDecay);

        var clock = Stopwatch.StartNew();
        double passAt1 = 0;
        var step = 0;
        var reached = false;
        while (step < options.MaxSteps && !cancel.IsCancellationRequested)
        {
            step++;
            optimizer.LearningRate = LearningRateAt(step, options);
            var stepClock = Stopwatch.StartNew();
            double loss;
            long tokens;
            using (var scope = NewDisposeScope())
            {
                model.train();
                using var batch = NextBatch(task, options.BatchSize, rng);
                tokens = (long)batch.LossMask.sum().item<float>();
                loss = TrainStep(batch, optimizer, options.GradClip);
            }
            var tokensPerSecond = tokens / stepClock.Elapsed.TotalSeconds;

            var outOfTime = options.TimeBudget is { } budget && clock.Elapsed >= budget;
            double? eval = null;
            if (step % options.EvalEvery == 0 || step == options.MaxSteps || outOfTime)
            {
                model.eval();
                eval = passAt1 = TaskEvaluator.PassAt1(evaluator.Run(evalProblems, options.EvalSamplesPerPrompt, evalOptions, (ulong)options.Seed));
                reached = passAt1 >= options.TargetPassAt1;
            }
            log.WriteLine(JsonSerializer.Serialize(new
            {
                step, loss, lr = optimizer.LearningRate, tokens_per_s = tokensPerSecond, eval_pass_at_1 = eval,
                seconds = clock.Elapsed.TotalSeconds,
            }));
            progress?.Report(new SftProgress(step, options.MaxSteps, loss, optimizer.LearningRate, tokensPerSecond, eval));
            if (reached || outOfTime) break;
        }

        var checkpoint = Path.Combine(outputDir, "checkpoint");
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        var card = new ModelCardFacts(Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(outputDir))), "a random initialisation",
                                      options.Task,
            "supervised fine-tuning on the task's worked solutions (the RL warm start)", step, 0,
            [
                new("sft.lr", options.LearningRate.ToString("G4", invariant)), new("sft.batch", options.BatchSize.ToString(invariant)),
                new("sft.max-steps", options.MaxSteps.ToString(invariant)),
                new("sft.target-pass-at-1", options.TargetPassAt1.ToString("G4", invariant)),
            ],
            [new($"eval_pass_at_1 (step {step})", passAt1.ToString("G4", invariant))]);
        var companions =
            HfCompanionFiles.Build(null, model.Config, tokenizer, tokenizerJson, new SamplingOptions(MaxNewTokens: options.MaxNewTokens), card);
        HfCheckpoint.Save(model, checkpoint, tokenizerJson, new Dictionary<string, string>
        {
            ["gipo.sft.task"] = options.Task, ["gipo.sft.steps"] = step.ToString(), ["gipo.sft.eval_pass_at_1"] = passAt1.ToString("R"),
            ["gipo.sft.eval_split"] = SplitExtensions.Names.First(kv => kv.Value == options.EvalSplit).Key,
        }, companions);
        return new SftResult(passAt1, step, clock.Elapsed.TotalSeconds, checkpoint, reached);
    }

    /// <summary>Mean token cross-entropy over response tokens; one optimizer update.</summary>
    private double TrainStep(TokenBatch batch, FlatAdamW optimizer, double gradClip)
    {
        optimizer.ZeroGrad();
        var logits = model.Forward(batch.InputIds, batch.KeyMask).Logits;
        var perToken = F.cross_entropy(logits.flatten(0, 1), batch.Targets.flatten(), reduction: nn.Reduction.None);
        var mask = batch.LossMask.flatten();
        var loss = (perToken * mask).sum() / mask.sum().clamp_min(ConstantScalars.One);
        loss.backward();
        optimizer.ClipGradNorm(gradClip);
        optimizer.StepOnce();
        return loss.item<float>();
    }

    private TokenBatch NextBatch(IReasoningTask task, int size, Random rng)
    {
        var pairs = new List<(IReadOnlyList<int>, IReadOnlyList<int>)>(size);
        for (var i = 0; i < size; i++)
        {
            var problem = task.Generate(Split.SftTrain, rng);
            var solutions = task.Solve(problem, rng);
            var solution = solutions[rng.Next(solutions.Count)];
            var response = tokenizer.Encode(solution).Append(tokenizer.EosId).ToList();
            pairs.Add((tokenizer.Encode(problem.Prompt), response));
        }
        return TokenBatch.Create(pairs, tokenizer.PadId, model.Device, model.Config.MaxPositionEmbeddings);
    }

    /// <summary>Linear warm-up, then cosine decay to <see cref="SftOptions.FinalLearningRateFraction"/> of the peak.</summary>
    internal static double LearningRateAt(int step, SftOptions o)
    {
        if (step <= o.WarmupSteps) return o.LearningRate * step / Math.Max(1, o.WarmupSteps);
        var progress = (double)(step - o.WarmupSteps) / Math.Max(1, o.MaxSteps - o.WarmupSteps);
        var floor = o.FinalLearningRateFraction;
        return o.LearningRate * (floor + (1 - floor) * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(1, progress))));
    }
}
