using Gipo.Core.Algorithm.InformationBottleneck;
using Gipo.Model.Probe;
using static TorchSharp.torch;
using Signal = Gipo.Model.Tests.Probe.SyntheticStates.Signal;

namespace Gipo.Model.Tests.Probe;

public sealed class IbScorerTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), $"gipo-ib-{Guid.NewGuid():N}");

    public IbScorerTests() => TestModels.Init();

    public void Dispose()
    {
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
    }

    private static IbScorer NewScorer(IbConfig? config = null, long seed = 1) =>
        new(config ?? TestConfigs.Ib, SyntheticStates.HiddenSize, seed);

    /// <summary>Score-then-train on <paramref name="steps"/> fresh batches, as the learner does; the last scores.</summary>
    private static IbScoreResult RunSteps(IbScorer scorer, Generator data, int steps, Signal signal = Signal.Hidden, int trajectories = 64)
    {
        IbScoreResult? last = null;
        for (var t = 0; t < steps; t++)
        {
            using var batch = SyntheticStates.Batch(data, trajectories, signal);
            last = scorer.Score(batch.Features, batch.Labels, t);
            scorer.Train(batch.Features, batch.Labels, t);
        }
        return last!;
    }

    private static double? IntermediateAuroc(double[][] scores, bool[] labels)
    {
        var p = scores.SelectMany(s => s.Skip(1)).ToArray();
        var y = scores.SelectMany((s, i) => Enumerable.Repeat(labels[i], s.Length - 1)).ToArray();
        return Auroc.Compute(p, y);
    }

    [Fact]
    public void Learns_out_of_sample_and_opens_the_gate_after_warm_up()
    {
        using var scorer = NewScorer();
        using var data = new Generator(31);

        var last = RunSteps(scorer, data, steps: 25);

        // Each batch is scored before the probe has seen it, so this is held-out AUROC. Measured 0.9967.
        Assert.True(last.BatchAuroc > 0.9, $"out-of-sample AUROC {last.BatchAuroc}");
        Assert.True(last.AucEma > 0.75, $"AUC_ema {last.AucEma}");
        Assert.Equal(1.0, last.Rho, 12); // step 24 ≥ T_warm = 20 and AUC_ema ≥ a1
        Assert.InRange(last.Brier!.Value, 0, 0.2);
    }

    [Fact]
    public void Score_reports_the_auroc_of_its_own_predictions_and_changes_nothing_but_the_gate()
    {
        using var scorer = NewScorer();
        using var data = new Generator(32);
        RunSteps(scorer, data, steps: 3);
        using var batch = SyntheticStates.Batch(data, 48);
        var before = scorer.Predict(batch.Features);
        var (count, steps) = (scorer.Normalizer.Count, scorer.OptimizerSteps);

        var result = scorer.Score(batch.Features, batch.Labels, learnerStep: 3);

        Assert.Equal(before, result.StateScores);
        Assert.Equal(before, scorer.Predict(batch.Features));
        Assert.Equal((count, steps), (scorer.Normalizer.Count, scorer.OptimizerSteps));
        Assert.Equal(IntermediateAuroc(before, batch.Labels), result.BatchAuroc);
        Assert.Equal(batch.Features.Select(f => f.States), result.StateScores.Select(s => s.Length));
        Assert.Equal(result.StateScores[0][1..], result.IntermediateScores(0));
        Assert.Equal(4, scorer.Gate.Observations);
    }

    [Fact]
    public void Training_moves_the_normaliser_and_fills_the_replay_buffer()
    {
        using var scorer = NewScorer();
        using var data = new Generator(33);
        using var batch = SyntheticStates.Batch(data, 40);
        var intermediate = batch.Features.Sum(f => f.States - 1);

        var result = scorer.Train(batch.Features, batch.Labels, learnerStep: 0);

        Assert.Equal(intermediate, scorer.Normalizer.Count);
        Assert.Equal(1, scorer.ReplayCount);
        Assert.True(double.IsFinite(result.Bce) && result.Bce > 0);
        Assert.True(result.KlRate > 0);
        Assert.InRange(result.Brier, 0, 1);
        // ⌈states/256⌉ minibatches per epoch, E_ib = 2 epochs.
        var states = batch.Features.Sum(f => f.States);
        Assert.Equal(2 * ((states + 255) / 256), scorer.OptimizerSteps);
        Assert.Equal(states, result.States);

        RunSteps(scorer, data, steps: 4);
        Assert.Equal(2, scorer.ReplayCount);
    }

    [Fact]
    public void Gate_stays_shut_before_warm_up_and_while_the_probe_ranks_at_chance()
    {
        using var data = new Generator(34);
        using (var learnable = NewScorer())
        {
            var early = RunSteps(learnable, data, steps: 12);
            Assert.True(early.AucEma > 0.55, $"AUC_ema {early.AucEma}");
            Assert.Equal(0.0, learnable.Gate.Rho(0));
            Assert.InRange(early.Rho, 0, 11 / 20.0 + 1e-12); // step 11 of a 20-step ramp
        }

        using var chance = NewScorer();
        var result = RunSteps(chance, data, steps: 8, Signal.None);
        Assert.True(result.AucEma <= 0.55, $"AUC_ema {result.AucEma} from labels the features do not predict");
        Assert.Equal(0.0, chance.Gate.Rho(1000));
    }

    [Fact]
    public void Save_then_load_gives_identical_scores_and_identical_further_training()
    {
        using var data = new Generator(35);
        using var original = NewScorer(seed: 7);
        RunSteps(original, data, steps: 4);
        original.Save(directory);

        using var restored = NewScorer(seed: 99);
        restored.Load(directory);

        Assert.True(File.Exists(Path.Combine(directory, IbScorer.WeightsFile)));
        Assert.True(File.Exists(Path.Combine(directory, IbScorer.StateFile)));
        using var probe = SyntheticStates.Batch(data, 32);
        Assert.Equal(original.Predict(probe.Features), restored.Predict(probe.Features));
        Assert.Equal(original.Gate.State, restored.Gate.State);
        Assert.Equal(original.ReplayCount, restored.ReplayCount);

        // Moments, generator and replay buffer came along too: the next update is the same update.
        using var next = SyntheticStates.Batch(data, 32);
        var a = original.Train(next.Features, next.Labels, 4);
        var b = restored.Train(next.Features, next.Labels, 4);
        Assert.Equal(a, b);
        Assert.Equal(original.Predict(probe.Features), restored.Predict(probe.Features));
    }

    [Fact]
    public void Load_rejects_a_probe_of_other_sizes()
    {
        using var small = NewScorer(TestConfigs.Ib with { LatentDim = 4 });
        small.Save(directory);
        using var other = NewScorer();

        Assert.Throws<InvalidDataException>(() => other.Load(directory));
    }

    [Fact]
    public void Sc_logistic_learns_from_self_certainty_alone()
    {
        using var scorer = NewScorer(TestConfigs.Ib with { PhiSource = PhiSource.ScLogistic, ProbeLearningRate = 1e-2 });
        using var data = new Generator(36);

        Assert.IsType<ScLogisticProbe>(scorer.Probe);
        Assert.Equal(2, scorer.Probe.parameters().Sum(p => p.numel()));
        var last = RunSteps(scorer, data, steps: 15, Signal.SelfCertainty);
        // Measured 1.0: any positive slope ranks this well-separated problem perfectly; the untrained probe (a = 0) ties everything at 0.5.
        Assert.True(last.BatchAuroc > 0.9, $"out-of-sample AUROC {last.BatchAuroc}");
    }

    [Fact]
    public void Ref_answer_prob_trains_no_probe()
    {
        // Its potentials come from the policy (RefAnswerScorer), so asking for a probe is a programming error.
        Assert.Throws<NotSupportedException>(() => NewScorer(TestConfigs.Ib with { PhiSource = PhiSource.RefAnswerProb }));
    }

    [Fact]
    public void Policy_loss_reaches_the_features_but_leaves_the_probe_and_its_training_untouched()
    {
        using var scorer = NewScorer();
        using var twin = NewScorer();
        using var data = new Generator(37);
        using var batch = SyntheticStates.Batch(data, 16);
        var leaves = batch.Features.Select(f => f.Hidden.detach().clone().requires_grad_(true)).ToArray();
        var attached = batch.Features.Select((f, i) => new StepFeatures(leaves[i] * 1, f.Confidence, f.Position)).ToList();

        using var loss = scorer.PolicyLoss(attached, batch.Labels);
        loss.Total.backward();

        Assert.True(double.IsFinite(loss.Total.item<float>()) && loss.Bce.item<float>() > 0);
        Assert.All(leaves, h => Assert.True(h.grad is { } g && g.abs().sum().item<float>() > 0));
        Assert.All(scorer.Probe.parameters(), p => Assert.True(p.requires_grad));
        Assert.All(scorer.Probe.parameters(), p => Assert.True(p.grad is null || p.grad.abs().sum().item<float>() == 0));
        // The term draws its noise from its own generator: the probe then trains exactly as one that never computed it.
        Assert.Equal(twin.Train(batch.Features, batch.Labels, 0), scorer.Train(batch.Features, batch.Labels, 0));
        Assert.Equal(twin.Predict(batch.Features), scorer.Predict(batch.Features));
    }
}
