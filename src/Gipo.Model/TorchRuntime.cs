using Gipo.Model.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace Gipo.Model;

/// <summary>Device and thread selection shared by every command that runs the model.</summary>
public static class TorchRuntime
{
    /// <summary>
    /// Loads the natives and resolves a device name: <c>auto</c> (CUDA when available, else CPU), <c>cpu</c>,
    /// <c>cuda</c> or <c>cuda:N</c>.
    /// </summary>
    public static Device ResolveDevice(string name)
    {
        var info = NativeTorch.EnsureLoaded();
        switch (name)
        {
            case "auto":
                return info.CudaAvailable ? CUDA : CPU;
            case "cpu":
                return CPU;
            default:
                if (!name.StartsWith("cuda", StringComparison.Ordinal))
                    throw new ArgumentException($"unknown device '{name}' (auto, cpu, cuda, cuda:N)");
                if (!info.CudaAvailable)
                    throw new ArgumentException($"device '{name}' asked for, but this libtorch has no CUDA device; " +
                                                $"set {NativeTorch.TorchLibVariable} to a CUDA PyTorch's torch/lib, or use --device cpu");
                return torch.device(name);
        }
    }

    /// <summary>Sets intra-op threads (0 = one per core).</summary>
    public static void SetThreads(int threads)
    {
        NativeTorch.EnsureLoaded();
        torch.set_num_threads(threads > 0 ? threads : Environment.ProcessorCount);
    }
}
