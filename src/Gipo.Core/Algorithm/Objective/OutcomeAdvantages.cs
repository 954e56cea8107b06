using static TorchSharp.torch;

namespace Gipo.Core.Algorithm.Objective;

/// <summary>
/// Group-relative sequence advantages A^out from scalar outcome rewards (docs/algorithm.md §A.2). Computed once per learner
/// step, before any minibatch update, in float64 on the host: a batch holds B·G numbers.
/// </summary>
public static class OutcomeAdvantages
{
    /// <summary>The ε_A of docs/algorithm.md §A.2.</summary>
    public const double DefaultEpsilon = 1e-6;

    /// <summary>
    /// Advantages and the per-sequence scale s_g (used by §C.7 to put the IB advantage in the same units) for
    /// <paramref name="rewards"/> grouped by <paramref name="groupIds"/>. Group ids are arbitrary labels; members
    /// of a group need not be contiguous.
    /// </summary>
    /// <exception cref="ArgumentException">Empty input, mismatched lengths, a non-finite reward, a group of fewer
    /// than two samples, or a non-positive <paramref name="eps"/>.</exception>
    public static (double[] Advantage, double[] Scale) Compute(
        double[] rewards, int[] groupIds, AdvantageNorm norm, double eps = DefaultEpsilon)
    {
        ArgumentNullException.ThrowIfNull(rewards);
        ArgumentNullException.ThrowIfNull(groupIds);
        if (rewards.Length == 0) throw new ArgumentException("no rewards: a batch needs at least one group", nameof(rewards));
        if (groupIds.Length != rewards.Length)
            throw new ArgumentException($"{groupIds.Length} group ids for {rewards.Length} rewards; lengths must match", nameof(groupIds));
        // ε > 0 keeps a uniform group (σ = 0) at advantage 0 instead of 0/0.
        if (!double.IsFinite(eps) || eps <= 0)
            throw new ArgumentOutOfRangeException(nameof(eps), eps, "eps must be finite and > 0");
        for (var i = 0; i < rewards.Length; i++)
            if (!double.IsFinite(rewards[i]))
                throw new ArgumentException($"reward {i} is {rewards[i]}; rewards must be finite", nameof(rewards));

        var groups = Members(groupIds);
        var centred = new double[rewards.Length];
        var groupStd = new double[rewards.Length];
        var groupSize = new int[rewards.Length];
        foreach (var (id, members) in groups)
        {
            // The group baseline needs at least two samples; σ is undefined for one (batch.group-size ≥ 2).
            if (members.Count < 2)
                throw new ArgumentException($"group {id} has {members.Count} sample; group-relative advantages need G >= 2", nameof(groupIds));
            var mean = members.Sum(i => rewards[i]) / members.Count;
            var std = UnbiasedStd(members.Select(i => rewards[i]).ToList());
            foreach (var i in members)
            {
                centred[i] = rewards[i] - mean;
                groupStd[i] = std;
                groupSize[i] = members.Count;
            }
        }

        return norm switch
        {
            AdvantageNorm.Grpo => Map(centred, i => centred[i] / (groupStd[i] + eps), i => groupStd[i] + eps),
            AdvantageNorm.DrGrpo => Map(centred, i => centred[i], _ => 1.0),
            AdvantageNorm.Rloo => Map(
                centred,
                i => groupSize[i] / (groupSize[i] - 1.0) * centred[i],
                i => (groupSize[i] - 1.0) / groupSize[i]),
            AdvantageNorm.BatchStd => BatchStd(centred, eps),
            _ => throw new ArgumentOutOfRangeException(nameof(norm), norm, "unknown advantage normalisation"),
        };
    }

    /// <summary>Group ids for <paramref name="count"/> samples laid out as contiguous runs of <paramref name="groupSize"/>.</summary>
    public static int[] ContiguousGroupIds(int count, int groupSize)
    {
        if (groupSize < 2) throw new ArgumentOutOfRangeException(nameof(groupSize), groupSize, "a group needs G >= 2 samples");
        if (count <= 0 || count % groupSize != 0)
            throw new ArgumentException($"{count} samples do not split into whole groups of {groupSize}", nameof(count));
        return Enumerable.Range(0, count).Select(i => i / groupSize).ToArray();
    }

    /// <summary>
    /// Broadcasts sequence advantages to every response token: A[n, t] = adv[n]·mask[n, t]. The result has the
    /// mask's device and dtype (float32 for half-precision or integer masks).
    /// </summary>
    public static Tensor ToTokens(double[] advantages, Tensor mask)
    {
        ArgumentNullException.ThrowIfNull(advantages);
        ArgumentNullException.ThrowIfNull(mask);
        if (mask.dim() != 2 || mask.shape[0] != advantages.Length)
            throw new ArgumentException(
                $"mask has shape [{string.Join(", ", mask.shape)}]; expected [{advantages.Length}, T] for {advantages.Length} advantages",
                nameof(mask));
        if (advantages.Any(a => !double.IsFinite(a)))
            throw new ArgumentException("advantages must be finite", nameof(advantages));

        var dtype = mask.dtype is ScalarType.Float32 or ScalarType.Float64 ? mask.dtype : ScalarType.Float32;
        using var scope = NewDisposeScope();
        var column = tensor(advantages, [advantages.Length, 1], dtype, mask.device);
        return (column * mask.to_type(dtype)).MoveToOuterDisposeScope();
    }

    private static Dictionary<int, List<int>> Members(int[] groupIds)
    {
        var groups = new Dictionary<int, List<int>>();
        for (var i = 0; i < groupIds.Length; i++)
        {
            if (!groups.TryGetValue(groupIds[i], out var members)) groups[groupIds[i]] = members = [];
            members.Add(i);
        }

        return groups;
    }

    /// <summary>√(Σ (x − x̄)² / (n − 1)), as <c>torch.std</c> computes it.</summary>
    private static double UnbiasedStd(IReadOnlyList<double> values)
    {
        var mean = values.Sum() / values.Count;
        return Math.Sqrt(values.Sum(x => (x - mean) * (x - mean)) / (values.Count - 1));
    }

    private static (double[], double[]) Map(double[] centred, Func<int, double> advantage, Func<int, double> scale) =>
        (Enumerable.Range(0, centred.Length).Select(advantage).ToArray(),
         Enumerable.Range(0, centred.Length).Select(scale).ToArray());

    private static (double[], double[]) BatchStd(double[] centred, double eps)
    {
        // One denominator for the whole batch (LitePPO): groups with σ_g ≈ 0 do not blow up. N ≥ 2 since every G ≥ 2.
        var denominator = UnbiasedStd(centred) + eps;
        return Map(centred, i => centred[i] / denominator, _ => denominator);
    }
}
