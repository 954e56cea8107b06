using System.CommandLine;

namespace Gipo.Bench.Tests;

/// <summary>The parser of <c>gipo-bench</c>: its commands, and the same response-file rule as <c>gipo</c>.</summary>
public sealed class BenchCommandLineTests
{
    [Fact]
    public void Gipo_bench_offers_the_harness_commands_and_reads_no_at_argument_as_a_response_file()
    {
        const string token = "@gipo-no-such-response-file";
        static bool ReadAsResponseFile(ParseResult r) => r.Errors.Any(e => e.Message.Contains("esponse file", StringComparison.Ordinal));
        // The detector works: System.CommandLine's default configuration expands the token and fails on the missing file.
        Assert.True(ReadAsResponseFile(Program.CreateRoot().Parse(["model", token])));

        var names = Program.CreateRoot().Subcommands.Select(c => c.Name).Order().ToList();
        Assert.Equal(["chaos", "cluster", "model", "pipeline", "soak", "weights"], names);
        Assert.All(names, name =>
            Assert.False(ReadAsResponseFile(Program.Parse([name, token])), $"gipo-bench {name} {token}: read as a response file"));
    }
}
