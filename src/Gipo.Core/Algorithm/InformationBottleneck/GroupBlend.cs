namespace Gipo.Core.Algorithm.InformationBottleneck;

/// <summary>How much IB credit one group takes, and the scale s_g its step advantages are divided by (§C.7).</summary>
/// <param name="Weight">w_eff = w_ib·ρ_t, or 0 for a uniform group that is not blended.</param>
/// <param name="Scale">s_g from §A.2 (1 for a blended uniform group).</param>
public readonly record struct GroupBlend(double Weight, double Scale)
{
    /// <summary>The blend that leaves A = A_out.</summary>
    public static GroupBlend None => new(0, 1);

    /// <summary>
    /// w_eff and s_g for one group. An all-equal-reward group has σ_g ≈ 0, so s_g = σ_g + ε_A ≈ 1e-6 would blow the
    /// IB credit up a million-fold: such a group gets no IB credit unless <paramref name="blendUniformGroups"/>
    /// (<c>ib.uniform_groups</c>), in which case it is divided by 1 instead.
    /// </summary>
    public static GroupBlend For(double weightIb, double rho, double scale, bool groupIsUniform, bool blendUniformGroups)
    {
        if (weightIb is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(weightIb), weightIb, "w_ib must lie in [0, 1]");
        if (rho is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(rho), rho, "ρ must lie in [0, 1]");
        if (groupIsUniform) return blendUniformGroups ? new(weightIb * rho, 1) : None;
        if (!(scale > 0)) throw new ArgumentOutOfRangeException(nameof(scale), scale, "s_g must be positive");
        return new(weightIb * rho, scale);
    }
}
