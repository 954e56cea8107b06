namespace Gipo.Core.Algorithm.InformationBottleneck;

/// <summary>
/// Potential-based step credit (§C.6). One trajectory of K steps has K+1 states s_0..s_K; the potentials are
/// anchored at both ends — Φ_0 = R̄_g (the group baseline), Φ_K = R (the verified outcome) — and the probe only
/// supplies the K−1 intermediate ones. The shaped rewards δ_k = Φ_k − Φ_{k−1} therefore telescope to R − R̄_g
/// whatever the probe says: the probe redistributes outcome credit across steps, it cannot create any.
/// Arrays of steps are zero-based: element k−1 belongs to step k.
/// </summary>
public static class StepCredit
{
    /// <summary>ε_Φ of §C.6: the floor inside the log potential.</summary>
    public const double DefaultPhiEpsilon = 0.05;

    /// <summary>
    /// Φ_0..Φ_K (length K+1, K = <paramref name="probeScores"/>.Count + 1) from the group mean reward, the probe's
    /// p̂ for the intermediate states k = 1..K−1, and the trajectory's reward. In <see cref="PhiSpace.Log"/> every
    /// potential, endpoints included, becomes log max(Φ, ε).
    /// </summary>
    public static double[] Potentials(double groupMean, IReadOnlyList<double> probeScores, double reward,
        PhiSpace space = PhiSpace.Prob, double epsilon = DefaultPhiEpsilon)
    {
        ArgumentNullException.ThrowIfNull(probeScores);
        if (!(epsilon > 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "ε_Φ must be positive");
        var phi = new double[probeScores.Count + 2];
        phi[0] = groupMean;
        for (var k = 0; k < probeScores.Count; k++) phi[k + 1] = probeScores[k];
        phi[^1] = reward;
        if (space == PhiSpace.Log)
            for (var k = 0; k < phi.Length; k++) phi[k] = Math.Log(Math.Max(phi[k], epsilon));
        return phi;
    }

    /// <summary>δ_k = Φ_k − Φ_{k−1} for k = 1..K (length K).</summary>
    public static double[] ShapedRewards(IReadOnlyList<double> phi)
    {
        RequireStates(phi);
        var delta = new double[phi.Count - 1];
        for (var k = 0; k < delta.Length; k++) delta[k] = phi[k + 1] - phi[k];
        return delta;
    }

    /// <summary>
    /// A^IB_1..A^IB_K (length K): GAE over steps with γ = 1, A_K = δ_K and A_k = δ_k + λ_s·A_{k+1}.
    /// λ_s = 1 gives R − Φ_{k−1} (Monte-Carlo with a learned baseline), λ_s = 0 gives δ_k (TD(0) "progress").
    /// </summary>
    public static double[] StepAdvantages(IReadOnlyList<double> phi, double lambdaS)
    {
        if (lambdaS is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(lambdaS), lambdaS, "λ_s must lie in [0, 1]");
        var advantages = ShapedRewards(phi);
        for (var k = advantages.Length - 2; k >= 0; k--) advantages[k] += lambdaS * advantages[k + 1];
        return advantages;
    }

    private static void RequireStates(IReadOnlyList<double> phi)
    {
        ArgumentNullException.ThrowIfNull(phi);
        if (phi.Count < 2) throw new ArgumentException($"need Φ_0..Φ_K with K ≥ 1, got {phi.Count} potentials", nameof(phi));
    }
}
