using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using TorchSharp;

namespace Gipo.Model.Native;

/// <summary>
/// Loads libtorch and LibTorchSharp before TorchSharp's first call, so that a fresh Debian 12 machine needs no
/// manual step. Two situations are handled:
/// <list type="bullet">
/// <item>The system libstdc++ lacks <c>GLIBCXX_3.4.32</c>: LibTorchSharp 0.107 references it only for a
/// link-time-only symbol, so a copy with that version requirement marked weak is written to a folder Gipo owns
/// (never the NuGet cache) and loaded instead.</item>
/// <item><c>GIPO_TORCH_LIB</c> names a PyTorch <c>torch/lib</c> folder: its libtorch (with CUDA, when that build
/// has it) is loaded in place of the CPU libtorch the package ships.</item>
/// </list>
/// </summary>
public static class NativeTorch
{
    /// <summary>Environment variable naming a PyTorch <c>torch/lib</c> folder to load libtorch from.</summary>
    public const string TorchLibVariable = "GIPO_TORCH_LIB";

    /// <summary>Environment variable overriding where the patched LibTorchSharp copy is written.</summary>
    public const string NativeCacheVariable = "GIPO_NATIVE_DIR";

    private const string WeakenedVersion = "GLIBCXX_3.4.32";
    private static readonly Lock Gate = new();
    private static NativeTorchInfo? info;

    /// <summary>What was loaded, from where; null before <see cref="EnsureLoaded"/>.</summary>
    public static NativeTorchInfo? Info => info;

    /// <summary>
    /// Loads the natives once per process. Throws <see cref="NativeTorchException"/> with the cause and the fix
    /// when they cannot be loaded.
    /// </summary>
    public static NativeTorchInfo EnsureLoaded()
    {
        lock (Gate)
        {
            if (info is not null) return info;
            if (!OperatingSystem.IsLinux())
            {
                // Elsewhere TorchSharp's own probing is right; nothing to patch.
                info = new NativeTorchInfo(null, null, false, torch.cuda.is_available());
                return info;
            }
            info = LoadOnLinux();
            return info;
        }
    }

    private static NativeTorchInfo LoadOnLinux()
    {
        var torchLib = Environment.GetEnvironmentVariable(TorchLibVariable);
        if (!string.IsNullOrWhiteSpace(torchLib) && !File.Exists(Path.Combine(torchLib, "libtorch.so")))
            throw new NativeTorchException(
                $"{TorchLibVariable}={torchLib} has no libtorch.so",
                $"Point {TorchLibVariable} at PyTorch's lib folder, e.g. " +
                "$(python3 -c \"import torch,os;print(os.path.join(os.path.dirname(torch.__file__),'lib'))\"), or unset it to use the CPU libtorch.");

        var sharpSource = FindPackagedNative("libLibTorchSharp.so")
            ?? throw new NativeTorchException(
                "libLibTorchSharp.so was not found beside the application",
                "Reference the TorchSharp package from the executable (it ships the native library) and rebuild.");
        var libtorchDir = string.IsNullOrWhiteSpace(torchLib)
            ? Path.GetDirectoryName(FindPackagedNative("libtorch.so")
                ?? throw new NativeTorchException(
                    "libtorch.so was not found beside the application",
                    $"Reference the 'libtorch-cpu-linux-x64' package from the executable (or 'TorchSharp-cuda-linux': " +
                    $"build with -p:GipoTorch=cuda), or set {TorchLibVariable} to a PyTorch torch/lib folder."))!
            : Path.GetFullPath(torchLib);

        // Preload libtorch (and its CUDA part) from the chosen folder: LibTorchSharp's DT_NEEDED entries are
        // sonames, which the dynamic loader then satisfies with these already-loaded objects.
        var handles = new Dictionary<string, IntPtr>(StringComparer.Ordinal);
        foreach (var name in new[] { "libc10.so", "libtorch_cpu.so", "libc10_cuda.so", "libtorch_cuda.so", "libtorch.so" })
        {
            var path = Path.Combine(libtorchDir, name);
            if (!File.Exists(path)) continue;
            handles[name] = LoadOrExplain(path, $"loading {name} from {libtorchDir}");
        }

        var sharpPath = sharpSource;
        var patched = false;
        if (!SystemLibStdCxxHas(WeakenedVersion))
        {
            sharpPath = WritePatchedCopy(sharpSource);
            patched = true;
        }
        var sharp = LoadOrExplain(sharpPath, "loading LibTorchSharp");

        NativeLibrary.SetDllImportResolver(typeof(torch).Assembly, (name, _, _) =>
        {
            if (name is "LibTorchSharp" or "libLibTorchSharp" or "libLibTorchSharp.so") return sharp;
            var file = name.StartsWith("lib", StringComparison.Ordinal) ? name : "lib" + name;
            if (!file.EndsWith(".so", StringComparison.Ordinal)) file += ".so";
            if (handles.TryGetValue(file, out var h)) return h;
            var candidate = Path.Combine(libtorchDir, file);
            return File.Exists(candidate) && NativeLibrary.TryLoad(candidate, out h) ? h : IntPtr.Zero;
        });

        bool cuda;
        try
        {
            cuda = handles.ContainsKey("libtorch_cuda.so") && torch.cuda.is_available();
            torch.InitializeDeviceType(DeviceType.CPU);
        }
        catch (Exception e) when (e is not NativeTorchException)
        {
            throw new NativeTorchException($"TorchSharp failed to initialise: {FirstLine(e.Message)}",
                $"Check that {libtorchDir} holds a libtorch that matches TorchSharp {typeof(torch).Assembly.GetName().Version}.");
        }
        return new NativeTorchInfo(libtorchDir, sharpPath, patched, cuda);
    }

    private static IntPtr LoadOrExplain(string path, string what)
    {
        try
        {
            return NativeLibrary.Load(path);
        }
        catch (DllNotFoundException e)
        {
            var cause = FirstLine(e.Message);
            var fix = cause.Contains("GLIBCXX", StringComparison.Ordinal)
                ? "The system libstdc++ is older than this libtorch needs. Install a newer libstdc++6, or set " +
                  $"{TorchLibVariable} to a PyTorch torch/lib folder built for this system."
                : $"Rebuild so the TorchSharp natives are copied to the output, or check {TorchLibVariable}.";
            throw new NativeTorchException($"{what} failed: {cause}", fix);
        }
    }

    /// <summary>Writes (once, atomically) the weak-version copy of LibTorchSharp and returns its path.</summary>
    private static string WritePatchedCopy(string source)
    {
        var bytes = File.ReadAllBytes(source);
        var hash = Convert.ToHexStringLower(SHA256.HashData(bytes))[..16];
        var dir = Path.Combine(NativeCacheRoot(), "torchsharp-" + hash);
        var target = Path.Combine(dir, "libLibTorchSharp.so");
        if (File.Exists(target)) return target;

        if (ElfVersionPatcher.MarkVersionWeak(bytes, WeakenedVersion) == 0)
            return source; // this build does not ask for the version: nothing to patch
        Directory.CreateDirectory(dir);
        var temp = target + $".tmp-{Environment.ProcessId}";
        File.WriteAllBytes(temp, bytes);
        File.Move(temp, target, overwrite: true);
        return target;
    }

    private static string NativeCacheRoot()
    {
        var overridden = Environment.GetEnvironmentVariable(NativeCacheVariable);
        if (!string.IsNullOrWhiteSpace(overridden)) return overridden;
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var root = !string.IsNullOrWhiteSpace(xdg)
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(root, "gipo", "native");
    }

    /// <summary>True when the libstdc++ this process already runs with defines <paramref name="version"/>.</summary>
    private static bool SystemLibStdCxxHas(string version)
    {
        // The .NET runtime itself links libstdc++, so the process map names the exact file the loader chose.
        var path = File.ReadLines("/proc/self/maps")
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(p => p.Length >= 6 && p[5].Contains("libstdc++.so", StringComparison.Ordinal))
            .Select(p => p[5]).FirstOrDefault();
        if (path is null) return false;
        var needle = Encoding.ASCII.GetBytes(version + "\0");
        return File.ReadAllBytes(path).AsSpan().IndexOf(needle) >= 0;
    }

    private static string? FindPackagedNative(string file)
    {
        var dirs = new List<string> { AppContext.BaseDirectory, Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native") };
        if (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") is string searchDirs)
            dirs.AddRange(searchDirs.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        return dirs.Select(d => Path.Combine(d, file)).FirstOrDefault(File.Exists);
    }

    private static string FirstLine(string s) => s.Split('\n')[0].Trim();
}
