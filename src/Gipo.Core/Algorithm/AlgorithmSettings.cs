using Gipo.Core.Algorithm.Entropy;
using Gipo.Core.Algorithm.InformationBottleneck;
using Gipo.Core.Algorithm.Objective;

namespace Gipo.Core.Algorithm;

/// <summary>
/// Everything one learner step needs to know, in typed form (read from <c>hocon/gipo.conf</c> and a preset).
/// GRPO, Dr. GRPO, DAPO and GIPO differ only in these values (docs/algorithm.md §D.3). Every property is required and has
/// no default: the values and their documentation live once, in <c>hocon/gipo.conf</c>.
/// </summary>
public sealed record AlgorithmSettings
{
    public required int GroupsPerStep { get; init; }
    public required int GroupSize { get; init; }
    public required int MaxNewTokens { get; init; }
    public required double Temperature { get; init; }

    public required AdvantageNorm AdvantageNorm { get; init; }
    /// <summary>Clip, dual clip, importance weights, aggregation and KL (§A.3–A.6).</summary>
    public required PolicyLossConfig Loss { get; init; }
    public required bool DynamicSampling { get; init; }
    public required int MaxGenRounds { get; init; }
    /// <summary>
    /// Under dynamic sampling, the run ends with the cause after this many consecutive rounds of B scored groups with none
    /// kept (every group's rewards equal, e.g. all 0: a verifier that never matches); 0 = never.
    /// </summary>
    public required int MaxEmptyRounds { get; init; }
    /// <summary>DAPO overlong shaping, or null when off.</summary>
    public required OverlongShaping? Overlong { get; init; }
    public required ProxMode Prox { get; init; }
    public required int MaxStaleness { get; init; }

    public required double LearningRate { get; init; }
    /// <summary>Learner steps of linear learning-rate warm-up (0 = none): Adam's first updates move every weight by about lr.</summary>
    public required int WarmupSteps { get; init; }
    public required double WeightDecay { get; init; }
    public required double GradClip { get; init; }
    public required int PpoEpochs { get; init; }
    public required int Minibatches { get; init; }

    public required EntropyRegularizerOptions Entropy { get; init; }
    /// <summary>Step delimiter text; every token whose text contains it ends a step (§B.1).</summary>
    public required string StepDelimiter { get; init; }
    public required int MinStepLength { get; init; }
    public required string AnswerMarker { get; init; }
    public required int Buckets { get; init; }
    /// <summary>K_B the entropy statistic is bucketed with: <see cref="Buckets"/>, or 1 for adaptive_global (§B.7).</summary>
    public int EntropyBuckets => EntropyScheduler.BucketsFor(Entropy.Mode, Buckets);
    public required EntropySchedulerConfig Scheduler { get; init; }

    public required bool IbEnabled { get; init; }
    public required IbConfig Ib { get; init; }

    /// <summary>
    /// The learning rate of learner step <paramref name="step"/> (0-based: the steps done before it): lr·(step+1)/N for
    /// the first N = <see cref="WarmupSteps"/> steps, then lr. A function of the step alone, so a resumed run repeats it.
    /// </summary>
    public double LearningRateAt(long step) =>
        WarmupSteps > 0 && step < WarmupSteps ? LearningRate * (step + 1) / WarmupSteps : LearningRate;

    /// <summary>
    /// Checks the rules between settings that no single key's range expresses; throws naming the setting. Each key's own
    /// range is checked once, where it is read (<c>AlgorithmSettingsReader</c>, whose errors name the file and the key).
    /// </summary>
    public AlgorithmSettings Validate()
    {
        if (Minibatches > GroupsPerStep)
            throw new ArgumentException($"optim.minibatches must be in 1..groups-per-step ({GroupsPerStep}); minibatches hold whole groups " +
                                        $"(got {Minibatches})");
        Loss.Validate();
        Scheduler.Validate();
        Ib.Validate();
        // ref_answer_prob's Φ comes from the policy itself: there is no probe to backpropagate through or to train.
        if (IbEnabled && !Ib.UsesProbe && Ib.BackpropToPolicy)
            throw new ArgumentException("ib.backprop-to-policy = on needs the probe, and ib.phi-source = ref_answer_prob trains none");
        if (IbEnabled && !Ib.UsesProbe && Ib.TrainOnFiltered)
            throw new ArgumentException("ib.train-on-filtered = on trains the probe, and ib.phi-source = ref_answer_prob has none");
        return this;
    }
}
