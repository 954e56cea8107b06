using System.Security.Cryptography;
using TorchSharp;
using static TorchSharp.torch;

namespace Gipo.Model.Checkpoints;

/// <summary>
/// A policy's parameters as one byte blob (every parameter's raw data in <c>named_parameters</c> order) with its
/// SHA-256: what the learner publishes each version and a sampler loads. Both sides build the model from the same
/// <see cref="ModelConfig"/>, so order and shapes agree; the size and hash are checked before anything is copied.
/// </summary>
public sealed record PolicyWeights(long Version, byte[] Data, string Sha256)
{
    /// <summary>The weights of <paramref name="model"/> at <paramref name="version"/>.</summary>
    public static PolicyWeights Export(PolicyModel model, long version)
    {
        using var _ = NewDisposeScope();
        using var __ = no_grad();
        var parameters = model.named_parameters().Select(p => p.parameter.detach().cpu().contiguous()).ToList();
        var total = parameters.Sum(p => p.NumberOfElements * p.ElementSize);
        var data = new byte[total];
        long offset = 0;
        foreach (var p in parameters)
        {
            var bytes = p.bytes;
            bytes.CopyTo(data.AsSpan((int)offset, bytes.Length));
            offset += bytes.Length;
        }
        return new PolicyWeights(version, data, HashOf(data));
    }

    /// <summary>Hex SHA-256 of <paramref name="data"/>.</summary>
    public static string HashOf(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data));

    /// <summary>
    /// Copies these weights into <paramref name="model"/> in place. Throws, changing nothing, when the hash does not
    /// match the data or the size does not match the model.
    /// </summary>
    public void LoadInto(PolicyModel model)
    {
        var actual = HashOf(Data);
        if (!string.Equals(actual, Sha256, StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException($"policy weights v{Version}: sha256 mismatch (expected {Sha256}, got {actual}); the transfer is corrupt");
        using var _ = NewDisposeScope(); // before named_parameters: it may wrap native tensors anew
        var parameters = model.named_parameters().ToList();
        var expected = parameters.Sum(p => p.parameter.NumberOfElements * p.parameter.ElementSize);
        if (expected != Data.Length)
            throw new InvalidDataException($"policy weights v{Version}: {Data.Length} bytes but the model needs {expected}; " +
                                           $"the sampler's model config differs from the learner's");
        using var __ = no_grad();
        long offset = 0;
        foreach (var (_, p) in parameters)
        {
            var n = (int)(p.NumberOfElements * p.ElementSize);
            var cpu = torch.empty(p.shape, p.dtype);
            cpu.bytes = Data.AsSpan((int)offset, n).ToArray();
            p.copy_(cpu);
            offset += n;
        }
    }
}
