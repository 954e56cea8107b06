using static TorchSharp.torch;

namespace Gipo.Core.Algorithm.Entropy;

/// <summary>Shape checks and host reads of per-token [N, T] tensors, with errors that name the argument.</summary>
internal static class TokenGrid
{
    public static void RequireShape(Tensor tensor, long rows, long length, string name)
    {
        ArgumentNullException.ThrowIfNull(tensor, name);
        if (tensor.dim() != 2 || tensor.shape[0] != rows || tensor.shape[1] != length)
        {
            throw new ArgumentException($"Expected shape [{rows}, {length}], got [{string.Join(", ", tensor.shape)}].", name);
        }
    }

    /// <summary>Requires two tensors of the same 2-D shape [N, T]; returns (N, T).</summary>
    public static (int Rows, int Length) RequireSameShape(Tensor reference, string referenceName, params (Tensor Tensor, string Name)[] others)
    {
        ArgumentNullException.ThrowIfNull(reference, referenceName);
        if (reference.dim() != 2)
        {
            throw new ArgumentException($"Expected a per-token tensor [N, T], got shape [{string.Join(", ", reference.shape)}].", referenceName);
        }
        foreach (var (tensor, name) in others)
        {
            RequireShape(tensor, reference.shape[0], reference.shape[1], name);
        }
        return ((int)reference.shape[0], (int)reference.shape[1]);
    }

    /// <summary>The values as float64, row-major, detached and on the host.</summary>
    public static double[] Read(Tensor tensor, long rows, long length, string name)
    {
        RequireShape(tensor, rows, length, name);
        using var scope = NewDisposeScope();
        return tensor.detach().to(ScalarType.Float64, CPU).contiguous().data<double>().ToArray();
    }

    /// <summary>A 0/1 mask as booleans; any other value is an error (a fractional mask has no meaning here).</summary>
    public static bool[] ReadMask(Tensor mask, long rows, long length, string name)
    {
        var values = Read(mask, rows, length, name);
        var bad = Array.FindIndex(values, v => v != 0 && v != 1);
        if (bad >= 0)
        {
            throw new ArgumentException($"A mask holds 0 or 1, got {values[bad]} at flat index {bad}", name);
        }
        return Array.ConvertAll(values, v => v == 1);
    }
}
