using System.Text.RegularExpressions;
using Gipo.Bench.Chaos;
using Gipo.Bench.Processes;
using Gipo.Cluster.Coordination;
using Xunit.Abstractions;

namespace Gipo.Bench.Tests.Chaos;

/// <summary>
/// The standard error of a short 3-node cluster run (real <c>gipo node</c> processes, PostgreSQL journal) in which a
/// sampler node is SIGKILLed: each survivor says so in exactly one <c>lost peer</c> line, the coordinator warns once
/// that the dead node's leases were re-issued, and the normal end of the run logs no "re-subscribing" warning and no
/// ERROR for an expected disassociation. PostgreSQL as in <see cref="ChaosTests"/> (<c>./test.sh</c> starts one).
/// </summary>
public sealed partial class ClusterLogNoiseTests(ITestOutputHelper output) : IDisposable
{
    private readonly string work = Directory.CreateTempSubdirectory("gipo-noise-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(work, true); }
        catch (IOException) { } // best effort
    }

    [Fact(DisplayName = "A killed sampler node: one 'lost peer' line per survivor, one re-issue warning, no remoting noise, " +
                        "no re-subscribing warning at the end")]
    public void Killed_peer_is_one_line()
    {
        const int steps = 12;
        var database = JournalDatabase.Postgres(ChaosTests.Postgres);
        database.Prepare();
        var settings = new ClusterRunSettings(Path.Combine(AppContext.BaseDirectory, "gipo.dll"), Path.Combine(work, "noise"), ChaosTests.Postgres,
            Path.Combine(AppContext.BaseDirectory, "Fixtures", "sft-column-add-small"),
            Path.Combine(AppContext.BaseDirectory, "hocon", "quickstart.conf"),
            Path.Combine(AppContext.BaseDirectory, "hocon", "cluster.conf"), steps, 4, TimeSpan.FromSeconds(4), ClusterRunSettings.SmallRun);
        var report = ChaosScenarios.KillSampler(settings, output.WriteLine);
        Assert.True(report.Passed(steps), report.Final.ToString());

        var logs = Directory.GetFiles(settings.WorkDir, "*.log").ToDictionary(f => Path.GetFileNameWithoutExtension(f), File.ReadAllText);
        foreach (var (name, text) in logs) output.WriteLine($"==== {name}\n{text}");
        var victim = NodeAddress().Match(logs["sampler-1.1"]).Groups[1].Value;
        Assert.NotEmpty(victim);
        foreach (var survivor in new[] { "learner-1.1", "sampler-2.1" })
        {
            var text = logs[survivor];
            Assert.Single(Regex.Matches(text, $"lost peer {Regex.Escape(victim)} "));
            Assert.Single(Regex.Matches(text, "lost peer "));
            Assert.DoesNotContain("re-subscribing", text);
            Assert.DoesNotContain("[ERROR]", text);
            Assert.DoesNotContain("AssociationError", text);
            Assert.DoesNotContain("is now gated", text);
            Assert.DoesNotContain("quarantined", text);
        }
        Assert.Single(Regex.Matches(logs["learner-1.1"], $@"on node {Regex.Escape(victim.Replace("akka.tcp://gipo@", ""))} terminated: " +
                                                         $@"\d+ lease\(s\) re-issued"));
    }

    [GeneratedRegex(@"node: (akka\.tcp://gipo@[\d.]+:\d+) up")]
    private static partial Regex NodeAddress();
}
