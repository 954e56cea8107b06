using System.Diagnostics;
using System.Text.Json;

namespace Gipo.Cli.Tests;

/// <summary>
/// <c>-p:GipoTorch=cuda</c> swaps the CPU libtorch package for <c>TorchSharp-cuda-linux</c> in every project that
/// carries natives. Checked by evaluating the real project files with <c>dotnet msbuild -getItem</c>: no restore, so
/// it runs where the CUDA package is not served.
/// </summary>
public sealed class TorchPackageSwapTests
{
    private const string Cpu = "libtorch-cpu-linux-x64";
    private const string Cuda = "TorchSharp-cuda-linux";

    public static TheoryData<string> NativeCarryingProjects =>
    [
        "src/Gipo.Cli/Gipo.Cli.csproj",
        "bench/Gipo.Bench/Gipo.Bench.csproj",
        "tests/Gipo.Cli.Tests/Gipo.Cli.Tests.csproj",
        "tests/Gipo.Bench.Tests/Gipo.Bench.Tests.csproj",
        "tests/Gipo.Cluster.Tests/Gipo.Cluster.Tests.csproj",
        "tests/Gipo.Model.Tests/Gipo.Model.Tests.csproj",
        "tests/Gipo.Core.Tests/Gipo.Core.Tests.csproj",
    ];

    [Theory]
    [MemberData(nameof(NativeCarryingProjects))]
    public void The_property_swaps_the_libtorch_package(string project)
    {
        var cpu = Evaluate(project);
        Assert.Contains(Cpu, cpu.References);
        Assert.DoesNotContain(Cuda, cpu.References);

        var cuda = Evaluate(project, "-p:GipoTorch=cuda");
        Assert.Contains(Cuda, cuda.References);
        Assert.DoesNotContain(Cpu, cuda.References);
        // Only the native package changes.
        Assert.Equal(cpu.References.Where(r => r != Cpu), cuda.References.Where(r => r != Cuda));
        // TorchSharp-cuda-linux bundles its own TorchSharp: the pinned version must be the one the code compiles against.
        Assert.Equal(cuda.Versions["TorchSharp"], cuda.Versions[Cuda]);
    }

    [Fact]
    public void Library_projects_carry_no_natives_either_way()
    {
        foreach (var flavour in new[] { "cpu", "cuda" })
        {
            var model = Evaluate("src/Gipo.Model/Gipo.Model.csproj", $"-p:GipoTorch={flavour}");
            Assert.DoesNotContain(Cpu, model.References);
            Assert.DoesNotContain(Cuda, model.References);
        }
    }

    private sealed record Evaluation(IReadOnlyList<string> References, IReadOnlyDictionary<string, string> Versions);

    private static Evaluation Evaluate(string project, params string[] properties)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepositoryRoot };
        foreach (var a in (string[])["msbuild", project, "-nologo", "-getItem:PackageReference", "-getItem:PackageVersion", .. properties])
            psi.ArgumentList.Add(a);
        // The test host's own MSBuild settings must not leak into the child evaluation.
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToList())
            psi.Environment.Remove(key);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(2)), $"dotnet msbuild {project} did not finish");
        Assert.True(p.ExitCode == 0, $"dotnet msbuild {project} {string.Join(' ', properties)}: {stdout.Result}{stderr.Result}");
        using var json = JsonDocument.Parse(stdout.Result);
        var items = json.RootElement.GetProperty("Items");
        var references = items.GetProperty("PackageReference").EnumerateArray().Select(i => i.GetProperty("Identity").GetString()!).ToList();
        var versions = items.GetProperty("PackageVersion").EnumerateArray()
            .ToDictionary(i => i.GetProperty("Identity").GetString()!, i => i.GetProperty("Version").GetString()!);
        return new Evaluation(references, versions);
    }

    /// <summary>The checkout this test assembly was built from (the folder holding Gipo.sln above its output).</summary>
    private static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Gipo.sln"))) return dir.FullName;
            throw new InvalidOperationException($"no Gipo.sln above {AppContext.BaseDirectory}: these tests read the repository's project files");
        }
    }
}
