using Gipo.Model.Native;

namespace Gipo.Core.Tests.Algorithm;

/// <summary>Loads libtorch once for tests that run tensor math.</summary>
internal static class Torch
{
    public static void Init() => NativeTorch.EnsureLoaded();
}
