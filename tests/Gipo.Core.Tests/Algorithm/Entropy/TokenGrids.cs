using static TorchSharp.torch;

namespace Gipo.Core.Tests.Algorithm.Entropy;

/// <summary>Builds and reads the per-token [N, T] tensors of the entropy tests.</summary>
internal static class TokenGrids
{
    public static Tensor Float32(double[,] values) => Grid(values, ScalarType.Float32);

    public static Tensor Grid(double[,] values, ScalarType dtype)
    {
        var rows = values.GetLength(0);
        var length = values.GetLength(1);
        var flat = new double[rows * length];
        Buffer.BlockCopy(values, 0, flat, 0, flat.Length * sizeof(double));
        return tensor(flat, [rows, length], ScalarType.Float64).to_type(dtype);
    }

    /// <summary>A right-padded mask: row n has <paramref name="lengths"/>[n] ones.</summary>
    public static Tensor Mask(int length, params int[] lengths)
    {
        var mask = new double[lengths.Length, length];
        for (var n = 0; n < lengths.Length; n++)
        {
            for (var t = 0; t < lengths[n]; t++)
            {
                mask[n, t] = 1;
            }
        }
        return Float32(mask);
    }

    public static double[] Values(Tensor tensor) =>
        tensor.detach().to_type(ScalarType.Float64).cpu().contiguous().data<double>().ToArray();

    /// <summary>Same shape and bit-for-bit the same values.</summary>
    public static bool Identical(Tensor a, Tensor b) =>
        a.dtype == b.dtype && a.shape.SequenceEqual(b.shape)
        && Values(a).Select(BitConverter.DoubleToInt64Bits).SequenceEqual(Values(b).Select(BitConverter.DoubleToInt64Bits));

    public static double Scalar(Tensor tensor) => tensor.detach().to_type(ScalarType.Float64).cpu().item<double>();
}
