using Gipo.Core.Algorithm;
using Gipo.Core.Algorithm.InformationBottleneck;
using Gipo.Core.Tasks;
using Gipo.Model.Checkpoints;
using Gipo.Model.Learning;
using Gipo.Model.Native;
using Gipo.Model.Rollout;
using Gipo.Model.Sampling;
using Xunit.Abstractions;

namespace Gipo.Cluster.Tests.Learning;

/// <summary>
/// GIPO must not silently run as DAPO (issue 10 §2): on a short synchronous run from the committed ColumnAdd SFT
/// checkpoint, GSEC's multipliers leave zero once calibration ends, the trust gate opens, and the probe's credit then
/// changes the per-token advantages DAPO trains on, on the very same batch.
/// </summary>
public sealed class GipoEngagementTests(ITestOutputHelper output)
{
    private static readonly string Checkpoint = Path.Combine(AppContext.BaseDirectory, "Fixtures", "sft-column-add-small");

    /// <summary>
    /// Settings that make both mechanisms engage at learner step 2 instead of after tens of steps. GSEC: one calibration
    /// step and κ₀ = κ₁ = 3, which puts every entropy floor above the SFT policy's measured entropy, so λ_b rises at
    /// the first dual step. IB: a one-step warm-up and a₀ = 0.45, a₁ = 0.65, so ρ > 0 as soon as AUC_ema (0.5 at the
    /// start) has not fallen below 0.45: this checks that the gate is wired and opens, not that the probe is good yet
    /// (its out-of-sample AUROC is still near 0.5 this early; see ib_auroc_within_group in real runs).
    /// </summary>
    private static readonly string[] Quick =
    [
        "algorithm.batch.group-size=8", "algorithm.batch.max-new-tokens=64",
        "algorithm.gsec.calibration-steps=1", "algorithm.gsec.kappa0=3", "algorithm.gsec.kappa1=3",
        "algorithm.ib.warmup-steps=1", "algorithm.ib.auc-low=0.45", "algorithm.ib.auc-high=0.65",
    ];

    [Fact]
    public void After_two_steps_from_the_sft_fixture_lambda_and_rho_are_positive_and_the_probe_moves_the_advantages_off_dapos()
    {
        NativeTorch.EnsureLoaded();
        TorchSharp.torch.manual_seed(0);
        var gipoSettings = LearnerFixture.Settings("gipo-preset.conf", Quick);
        var task = ReasoningTasks.Get("column-add");
        using var policy = HfCheckpoint.Load(Checkpoint);
        var (tokenizer, _) = CheckpointTokenizer.Load(Checkpoint, policy.Config);
        using var gipo = new GipoLearner(policy, tokenizer, gipoSettings, seed: 0);

        // Steps 1 (calibration) and 2 (first dual step, first step past the gate's warm-up) of a real run.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var steps = new SynchronousRun(policy, tokenizer, task, gipo, gipoSettings).Run(new SynchronousRunOptions
        {
            Steps = 2, TrainSplit = Split.SftTrain, EvalSplit = Split.SftTest, EvalEvery = 0, EvalPrompts = 1, EvalSamplesPerPrompt = 1, Seed = 0,
        }).Select(s => s.Learner).OfType<LearnerStepMetrics>().ToList();
        foreach (var m in steps)
            output.WriteLine($"step {m.Step}: calibrating {m.Calibrating}, H̄ [{Join(m.BucketEntropy)}], H* [{Join(m.BucketTarget)}], " +
                             $"α [{Join(m.BucketAlpha)}], " +
                             $"grad share {m.EntropyGradShare:F4}, AUROC {m.IbBatchAuroc:F3} (within group {m.IbWithinGroupAuroc:F3}), " +
                             $"AUC_ema {m.IbAucEma:F4}, ρ {m.IbRho:F4}");

        Assert.Equal(2, steps.Count);
        Assert.True(steps[0].Calibrating && steps[0].BucketAlpha.All(a => a == 0), "step 1 calibrates with λ ≡ 0");
        Assert.False(steps[1].Calibrating);
        Assert.True(steps[1].BucketAlpha.Any(a => a > 0), $"no λ_b > 0 after calibration: α = [{Join(steps[1].BucketAlpha)}]");
        Assert.True(steps[1].EntropyGradShare > 0, $"the entropy term steers none of the update: {steps[1].EntropyGradShare}");
        Assert.True(steps[1].IbRho > 0, $"ρ = {steps[1].IbRho} at step 2 (AUC_ema {steps[1].IbAucEma})");

        // Step 3's batch, sampled from the current policy as the run would, trained on by GIPO and by DAPO.
        policy.eval();
        var batch = new GroupRollout(policy, tokenizer, task)
            .Run(task.Sample(Split.SftTrain, 4, 11).Select((p, i) => (1000L + i, p)).ToList(), 8,
                new SamplingOptions(gipoSettings.Temperature, MaxNewTokens: gipoSettings.MaxNewTokens), gipo.PolicyVersion, 11)
            .Where(g => g.Informative).ToList();
        Assert.True(batch.Count >= 2, $"only {batch.Count} informative groups were sampled");
        var gipoTrace = TrainObserved(gipo, batch);

        var dapoSettings = LearnerFixture.Settings("dapo.conf", Quick);
        using var dapoPolicy = HfCheckpoint.Load(Checkpoint);
        using var dapo = new GipoLearner(dapoPolicy, tokenizer, dapoSettings, seed: 0);
        var dapoTrace = TrainObserved(dapo, batch);
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F0} s");

        // The IB credit comes from the probe (not from ref_answer_prob) and was trusted on this step.
        Assert.Equal(PhiSource.Probe, gipoSettings.Ib.PhiSource);
        Assert.True(gipo.Ib is not null && gipo.RefAnswer is null);
        Assert.True(gipoTrace.Score!.Rho > 0, $"ρ = {gipoTrace.Score.Rho} at step 3");
        // DAPO trains on A_out, the same outcome advantage GIPO starts from, on every token.
        Assert.Null(dapoTrace.Score);
        Assert.Equal(dapoTrace.Outcome, gipoTrace.Outcome);
        Assert.All(dapoTrace.Tokens.Select((row, n) => (row, n)), x => Assert.All(x.row, a => Assert.Equal((float)dapoTrace.Outcome[x.n], a)));
        // GIPO's per-token advantages are not DAPO's.
        var tokens = gipoTrace.Tokens.Sum(r => r.Length);
        var moved = gipoTrace.Tokens.Select((row, n) => row.Zip(dapoTrace.Tokens[n], (g, d) => g != d).Count(d => d)).Sum();
        var largest = gipoTrace.Tokens.Select((row, n) => row.Zip(dapoTrace.Tokens[n], (g, d) => Math.Abs(g - d)).DefaultIfEmpty(0).Max()).Max();
        output.WriteLine($"step 3: ρ {gipoTrace.Score.Rho:F4}; {moved} of {tokens} tokens' advantages differ from DAPO's, by up to {largest:F4}");
        Assert.True(moved > 0, "GIPO's advantages equal DAPO's on every token: the IB credit never reached the loss");
    }

    private static AdvantageTrace TrainObserved(GipoLearner learner, IReadOnlyList<ScoredGroup> batch)
    {
        AdvantageTrace? trace = null;
        learner.AdvantageObserver = t => trace = t;
        learner.Train(batch);
        return trace ?? throw new InvalidOperationException("the learner reported no advantages");
    }

    private static string Join(double[] values) => string.Join(", ", values.Select(v => v.ToString("F4")));
}
