using TorchSharp;

namespace Gipo.Core;

/// <summary>
/// Constant <see cref="Scalar"/>s rooted for the life of the process. TorchSharp passes a Scalar's native handle to
/// libtorch without keeping the Scalar alive, so a temporary one (an implicit conversion such as <c>t.clamp_min(0)</c>,
/// or TorchSharp's own <c>add(t)</c> = <c>add(t, 1)</c>) can be finalized mid-call: "Unknown scalar type" (issue #11).
/// Static fields are never collected, and libtorch only reads them, so one instance serves every thread. Values that
/// vary use <c>using var s = value.ToScalar();</c> at the call instead. src/BannedSymbols.txt enforces the rule.
/// </summary>
public static class ConstantScalars
{
    /// <summary>Integer 0 (an integral Scalar keeps integer tensors integral, as the literal <c>0</c> did).</summary>
    public static readonly Scalar Zero;

    /// <summary>Integer 1: also the alpha of <c>add</c>/<c>sub</c> where TorchSharp would make one implicitly.</summary>
    public static readonly Scalar One;

    /// <summary>Integer 2.</summary>
    public static readonly Scalar Two;

    /// <summary>Integer −1.</summary>
    public static readonly Scalar MinusOne;

    /// <summary>Double 0.5.</summary>
    public static readonly Scalar Half;

    // An explicit static constructor makes initialisation happen at first use (after the natives are loaded), not at
    // whatever earlier moment a beforefieldinit type may be initialised.
    static ConstantScalars()
    {
        Zero = 0.ToScalar();
        One = 1.ToScalar();
        Two = 2.ToScalar();
        MinusOne = (-1).ToScalar();
        Half = 0.5.ToScalar();
    }
}
