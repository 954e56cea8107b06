using System.Text.Json.Nodes;
using Akka.Actor;
using Gipo.Cluster.Metrics;
using Gipo.Cluster.Tests.Coordination;
using Xunit.Abstractions;

namespace Gipo.Cluster.Tests.Metrics;

/// <summary>
/// <c>metrics.jsonl</c>'s throughput: the run's counters continue across a fail-over or resume (a new sink takes them
/// from the line the rewind keeps), and each line has the recent rate beside the running average.
/// </summary>
public sealed class MetricsThroughputSpecs(ITestOutputHelper output) : SqliteTestKit(output)
{
    [Theory(DisplayName = "A new sink after a fail-over continues samples_generated, run_seconds and the running samples/s from the kept " +
                          "line, not from zero")]
    [InlineData(true)]
    [InlineData(false)] // a log written before run_seconds existed: its seconds are samples_generated / samples_per_second
    public async Task Counters_survive_a_fail_over(bool withRunSeconds)
    {
        var dir = Directory.CreateTempSubdirectory("gipo-throughput-").FullName;
        try
        {
            var file = Path.Combine(dir, "metrics.jsonl");
            // The old learner node's log: 100 samples a step, 25 s a step (4 samples/s); steps 3 and 4 are after the
            // checkpoint of step 2 and are cut by the rewind.
            File.WriteAllLines(file, Enumerable.Range(0, 5).Select(s =>
                $$"""{"step":{{s}},"policy_version":{{s}},"samples_generated":{{100 * s}},"tokens_generated":{{1000 * s}},"samples_per_second":""" +
                $$"""{{(s == 0 ? "null" : "4.0")}}{{(withRunSeconds ? $",\"run_seconds\":{25 * s}" : "")}}}"""));

            var sink = Sys.ActorOf(MetricsSink.Props(file, dir), "metrics-after-fail-over");
            Assert.Equal(3, (await sink.Ask<MetricsRewound>(new RewindMetrics(2))).Lines);
            sink.Tell(new SamplerProgress("sampler-0", 1, 8, 80, 0.1));
            // Some time on this sink's clock, so that run_seconds (rounded to the millisecond) can bound the recent rate.
            await Task.Delay(200);
            sink.Tell(Line(3, """{"step":3,"policy_version":3}"""));
            JsonObject? line = null;
            await AwaitAssertAsync(() =>
            {
                var lines = ReadShared(file);
                Assert.Equal(4, lines.Length);
                line = (JsonObject)JsonNode.Parse(lines[^1])!;
            });
            Assert.Equal(208, line!["samples_generated"]!.GetValue<long>());
            Assert.Equal(2080, line["tokens_generated"]!.GetValue<long>());
            var runSeconds = line["run_seconds"]!.GetValue<double>();
            Assert.InRange(runSeconds, 50.0, 50.0 + 60);
            // Reset to zero it would be 8 samples over the few milliseconds since the new sink started.
            Assert.Equal(Math.Round(208 / runSeconds, 3), line["samples_per_second"]!.GetValue<double>());
            Assert.InRange(line["samples_per_second"]!.GetValue<double>(), 1.0, 4.2);
            // The recent rate: the 8 samples since the kept line, over this sink's seconds (run_seconds is rounded to the
            // millisecond, so the seconds behind the rate are within half of one of it), and the rate itself is written
            // rounded to 3 decimals (within half of 0.001 of the exact quotient).
            var recent = line["samples_per_second_recent"]!.GetValue<double>();
            Assert.InRange(runSeconds - 50, 0.2, 60);
            Assert.InRange(recent, (8 / (runSeconds - 50 + 0.0005)) - 0.0005, (8 / (runSeconds - 50 - 0.0005)) + 0.0005);
            await sink.GracefulStop(TimeSpan.FromSeconds(10));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact(DisplayName = "Each line of a fresh run has the recent rate since the previous line beside the running average")]
    public async Task Recent_rate_beside_the_average()
    {
        var dir = Directory.CreateTempSubdirectory("gipo-throughput-").FullName;
        try
        {
            var file = Path.Combine(dir, "metrics.jsonl");
            var sink = Sys.ActorOf(MetricsSink.Props(file, dir), "metrics");
            sink.Tell(new SamplerProgress("sampler-0", 1, 8, 80, 0.1));
            sink.Tell(Line(1, """{"step":1,"policy_version":1}"""));
            await Task.Delay(300);
            sink.Tell(Line(2, """{"step":2,"policy_version":2}""")); // nothing generated in between
            JsonObject[] lines = [];
            await AwaitAssertAsync(() =>
            {
                lines = [.. ReadShared(file).Select(l => (JsonObject)JsonNode.Parse(l)!)];
                Assert.Equal(2, lines.Length);
            });
            Assert.Equal(0.0, lines[1]["samples_per_second_recent"]!.GetValue<double>());
            Assert.True(lines[1]["samples_per_second"]!.GetValue<double>() > 0);
            Assert.Equal(lines[0]["samples_per_second"]!.GetValue<double>(), lines[0]["samples_per_second_recent"]!.GetValue<double>());
            await sink.GracefulStop(TimeSpan.FromSeconds(10));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    private static string[] ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return new StreamReader(stream).ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    private static MetricsLine Line(long step, string json) => MetricsLineJson.ToMessage(step, JsonNode.Parse(json)!.AsObject());
}
