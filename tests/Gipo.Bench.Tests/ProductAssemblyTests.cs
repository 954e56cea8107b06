using System.Reflection;

namespace Gipo.Bench.Tests;

/// <summary>The product and its harness stay apart: no benchmark, soak, chaos or probe type in the product assemblies.</summary>
public sealed class ProductAssemblyTests
{
    // Words that name harness code: the benches, the soak's GC pressure and error counter, the chaos runs and their node
    // processes, the mailbox tap and the serializer probe.
    private static readonly string[] HarnessWords =
    [
        "Benchmark", "NativeSoak", "GcPressure", "NativeErrorCounter", "Chaos", "LeaveScenarios", "ClusterRun", "NodeProcess", "NodeNetwork",
        "MessageTap", "TapMailbox", "TapMessageQueue", "SerializerProbe", "SerializerCall",
    ];

    [Fact]
    public void Product_assemblies_hold_no_harness_types()
    {
        Assembly[] product =
        [
            typeof(Gipo.Core.Algorithm.AlgorithmSettings).Assembly, typeof(Gipo.Model.ModelConfig).Assembly,
            typeof(Gipo.Cluster.Serialization.GipoSerializer).Assembly, typeof(Gipo.Cli.Program).Assembly,
        ];
        var harness = product.SelectMany(a => a.GetTypes())
            .Where(t => HarnessWords.Any(w => t.Name.Contains(w, StringComparison.Ordinal))
                && !t.IsDefined(typeof(System.Runtime.CompilerServices.CompilerGeneratedAttribute)))
            .Select(t => $"{t.Assembly.GetName().Name}: {t.FullName}")
            .ToList();
        Assert.Empty(harness);
    }
}
