using static TorchSharp.torch;

namespace Gipo.Core.Algorithm.Objective;

/// <summary>
/// Argument checks and the dtype policy shared by the per-token loss functions: every per-token input is a
/// floating [N, T] matrix; half-precision inputs are widened to float32 (docs/algorithm.md §0: loss math in float32) and
/// float64 is kept so gradients can be checked numerically.
/// </summary>
internal static class TokenTensors
{
    /// <summary>Checks that <paramref name="value"/> is a floating [N, T] matrix and returns it in the loss dtype.</summary>
    internal static Tensor Matrix(Tensor? value, string name)
    {
        if (value is null) throw new ArgumentNullException(name);
        if (value.dim() != 2)
            throw new ArgumentException($"{name} must be a [N, T] matrix, got shape [{string.Join(", ", value.shape)}]", name);
        if (!value.is_floating_point())
            throw new ArgumentException($"{name} must be a floating-point tensor, got {value.dtype}", name);
        return value.dtype is ScalarType.Float16 or ScalarType.BFloat16 ? value.to_type(ScalarType.Float32) : value;
    }

    /// <summary>Checks that <paramref name="value"/> has the shape and dtype of <paramref name="reference"/>.</summary>
    internal static void Like(Tensor reference, string referenceName, Tensor value, string name)
    {
        if (!reference.shape.SequenceEqual(value.shape))
            throw new ArgumentException(
                $"{name} has shape [{string.Join(", ", value.shape)}] but {referenceName} has [{string.Join(", ", reference.shape)}]", name);
        if (reference.dtype != value.dtype)
            throw new ArgumentException($"{name} is {value.dtype} but {referenceName} is {reference.dtype}; pass one dtype", name);
    }

    /// <summary>
    /// Checks a response mask against the values it masks and returns it in their dtype. Its entries are trusted
    /// to be 0/1: checking that would cost a device round trip per call.
    /// </summary>
    internal static Tensor Mask(Tensor? mask, Tensor values, string valuesName, string name = "mask")
    {
        if (mask is null) throw new ArgumentNullException(name);
        if (!mask.shape.SequenceEqual(values.shape))
            throw new ArgumentException(
                $"{name} has shape [{string.Join(", ", mask.shape)}] but {valuesName} has [{string.Join(", ", values.shape)}]", name);
        return mask.dtype == values.dtype ? mask : mask.to_type(values.dtype);
    }

    /// <summary>
    /// Throws if any tensor holds NaN or ±inf, padding included (the sampler writes finite values there), so that a
    /// bad forward pass fails loudly instead of turning the loss into NaN. One device round trip for all tensors.
    /// </summary>
    internal static void Finite(params (Tensor Value, string Name)[] tensors)
    {
        using var scope = NewDisposeScope();
        var flags = tensors.Select(t => t.Value.detach().isfinite().all()).ToList();
        if (stack(flags).all().item<bool>()) return;
        var bad = tensors.Where((_, i) => !flags[i].item<bool>()).Select(t => t.Name).ToList();
        throw new ArgumentException($"NaN or infinite values in {string.Join(", ", bad)}", bad[0]);
    }
}
