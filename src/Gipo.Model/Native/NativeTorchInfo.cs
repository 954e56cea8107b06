namespace Gipo.Model.Native;

/// <summary>Where the natives came from.</summary>
/// <param name="LibTorchDir">Folder libtorch was loaded from.</param>
/// <param name="LibTorchSharpPath">The LibTorchSharp file loaded (the patched copy when <paramref name="Patched"/>).</param>
/// <param name="Patched">True when the weak-version copy was needed.</param>
/// <param name="CudaAvailable">True when the loaded libtorch has CUDA and a device is present.</param>
public sealed record NativeTorchInfo(string? LibTorchDir, string? LibTorchSharpPath, bool Patched, bool CudaAvailable);
