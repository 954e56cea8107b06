using static TorchSharp.torch;

namespace Gipo.Core.Tests.Algorithm.Objective;

/// <summary>Small [N, T] tensors from C# arrays and back, for hand-made test cases.</summary>
internal static class Tokens
{
    public static Tensor Of(double[,] values, ScalarType dtype = ScalarType.Float32)
    {
        var rows = values.GetLength(0);
        var cols = values.GetLength(1);
        var flat = new double[rows * cols];
        for (var r = 0; r < rows; r++)
            for (var c = 0; c < cols; c++)
                flat[r * cols + c] = values[r, c];
        return tensor(flat, [rows, cols], ScalarType.Float64).to_type(dtype);
    }

    /// <summary>A 1 × n row.</summary>
    public static Tensor Row(params double[] values) => tensor(values, [1, values.Length], ScalarType.Float64).to_type(ScalarType.Float32);

    public static double[] Values(Tensor t) => t.detach().to_type(ScalarType.Float64).cpu().reshape(-1).data<double>().ToArray();

    public static double Scalar(Tensor t) => t.detach().to_type(ScalarType.Float64).cpu().item<double>();

    public static bool[] Flags(Tensor t) => t.cpu().reshape(-1).data<bool>().ToArray();
}
