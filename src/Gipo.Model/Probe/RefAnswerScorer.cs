using Gipo.Core;
using Gipo.Core.Algorithm.InformationBottleneck;
using Gipo.Core.Tokenization;
using Gipo.Model.Training;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Gipo.Model.Probe;

/// <summary>
/// The potentials of <c>ib.phi_source = ref_answer_prob</c> (§C.9; RLPR arXiv 2506.18254, VeriFree arXiv 2505.21493):
/// Φ_k = mean_j p(y*_j | s_k, prefix, y*_&lt;j), the policy's mean token probability of the reference answer (and the
/// suffix that closes it) teacher-forced after step k. The policy is the scorer, so nothing trains here; the scorer
/// owns only the trust gate, because these Φ are scores of success like the probe's p̂ and must earn their weight
/// the same way, by ranking successes above failures out of sample (§C.5). Not thread-safe: the learner owns it.
/// </summary>
public sealed class RefAnswerScorer
{
    private readonly ITextTokenizer tokenizer;
    private readonly double temperature;
    private readonly Dictionary<string, (int[] Prefix, int[] Scored)> encoded = [];

    /// <param name="temperature">τ: probabilities are those of softmax(logits/τ), the distribution the policy samples.</param>
    public RefAnswerScorer(IbConfig config, ITextTokenizer tokenizer, double temperature = 1.0)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        if (!(temperature > 0)) throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "τ must be > 0");
        Config = config.Validate();
        (this.tokenizer, this.temperature) = (tokenizer, temperature);
        Gate = new TrustGate(config);
    }

    public IbConfig Config { get; }

    /// <summary>The AUROC EMA and ρ_t of these potentials.</summary>
    public TrustGate Gate { get; }

    /// <summary>
    /// Φ for every state k = 0..K−1 of each trajectory under <paramref name="policy"/>'s current weights (π_prox when
    /// called before the update): one row per distinct state, all rows of the batch in ⌈rows / microbatch⌉ no-grad forwards.
    /// Only k ≥ 1 become potentials; k = 0 (the prompt state, Φ_0 := R̄_g) is kept for diagnostics and the AUROC's shape.
    /// </summary>
    public double[][] Potentials(PolicyModel policy, IReadOnlyList<RefAnswerTrajectory> trajectories)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(trajectories);
        var perTrajectory = trajectories.Select(Queries).ToArray();
        var flat = perTrajectory.SelectMany(q => q).ToArray();
        var probability = Evaluate(policy, flat);
        var result = new double[trajectories.Count][];
        var offset = 0;
        for (var i = 0; i < result.Length; offset += result[i].Length, i++)
            result[i] = probability.AsSpan(offset, perTrajectory[i].Length).ToArray();
        return result;
    }

    /// <summary>Judges <paramref name="potentials"/> against the outcomes and updates the gate (§C.5); call once per step.</summary>
    public IbScoreResult Score(double[][] potentials, IReadOnlyList<bool> labels, long learnerStep) =>
        IbScoreResult.Judge(potentials, labels, Gate, learnerStep);

    /// <summary>
    /// mean over the positions where <paramref name="mask"/> [N, T] is 1 of softmax(<paramref name="logits"/>/τ) at
    /// <paramref name="targets"/> [N, T]: [N] float32, one mean token probability per row.
    /// </summary>
    public static Tensor MeanTokenProbability(Tensor logits, Tensor targets, Tensor mask, double temperature = 1.0)
    {
        using var scope = NewDisposeScope();
        var z = logits.to(float32);
        if (temperature != 1.0) z /= temperature;
        var p = F.log_softmax(z, -1).gather(-1, targets.unsqueeze(-1)).squeeze(-1).exp();
        var m = mask.to(float32);
        return ((p * m).sum(1) / m.sum(1).clamp_min(ConstantScalars.One)).MoveToOuterDisposeScope();
    }

    private ReferenceAnswerQuery[] Queries(RefAnswerTrajectory t)
    {
        if (!encoded.TryGetValue(t.Answer, out var answer))
            encoded[t.Answer] = answer = ReferenceAnswerQueries.Encode(tokenizer, Config.RefAnswerPrefix, t.Answer, Config.RefAnswerSuffix);
        return ReferenceAnswerQueries.ForStates(t.PromptTokens, t.ResponseTokens, t.StepOfToken, answer.Prefix, answer.Scored);
    }

    private double[] Evaluate(PolicyModel policy, ReferenceAnswerQuery[] queries)
    {
        // A group's G prompt states are one query, and so are states after identical opening steps: forward each once.
        var rowOf = new Dictionary<string, int>();
        var unique = new List<ReferenceAnswerQuery>();
        var row = new int[queries.Length];
        for (var i = 0; i < queries.Length; i++)
        {
            var key = string.Join(' ', queries[i].Context) + '|' + string.Join(' ', queries[i].Scored);
            if (!rowOf.TryGetValue(key, out row[i]))
            {
                row[i] = rowOf[key] = unique.Count;
                unique.Add(queries[i]);
            }
        }
        var probability = Forward(policy, unique);
        return row.Select(r => probability[r]).ToArray();
    }

    /// <summary>The mean token probability of each query, in ⌈count / microbatch⌉ no-grad forwards.</summary>
    private double[] Forward(PolicyModel policy, IReadOnlyList<ReferenceAnswerQuery> queries)
    {
        // Rows sorted by length share microbatches with rows of similar length, so little of each forward is padding.
        var order = Enumerable.Range(0, queries.Count).OrderBy(i => queries[i].Context.Length + queries[i].Scored.Length).ToArray();
        var result = new double[queries.Count];
        using var _ = no_grad();
        foreach (var chunk in order.Chunk(Config.RefAnswerMicrobatch))
        {
            using var scope = NewDisposeScope();
            using var batch =
                TokenBatch.Create(chunk.Select(i => ((IReadOnlyList<int>)queries[i].Context, (IReadOnlyList<int>)queries[i].Scored)).ToList(),
                tokenizer.PadId, policy.Device, policy.Config.MaxPositionEmbeddings);
            var logits = policy.Forward(batch.InputIds, batch.KeyMask).Logits;
            var p = MeanTokenProbability(logits, batch.Targets, batch.LossMask, temperature).to(float64).cpu().data<double>().ToArray();
            for (var j = 0; j < chunk.Length; j++) result[chunk[j]] = p[j];
        }
        return result;
    }
}
