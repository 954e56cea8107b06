using System.Text.Json.Nodes;
using Gipo.Cli.Experiments;

namespace Gipo.Cli.Tests.Experiments;

public sealed class RunStateTests
{
    private static ExperimentRunRecord Record(string status, bool trained = false) => new()
    {
        Id = "t.m.s0", Task = "t", Method = "m", Seed = 0, Status = status, TrainResult = trained ? new JsonObject { ["steps"] = 4 } : null,
    };

    [Fact]
    public void Nothing_on_disk_is_pending_and_starts()
    {
        Assert.Equal(RunStatus.Pending, RunState.Status(null, hasRunConfig: false, evaluated: false));
        Assert.Equal(RunNextStep.Start, RunState.Next(null, hasRunConfig: false, evaluated: false));
    }

    [Fact]
    public void A_started_run_resumes_whatever_its_record_says()
    {
        // Killed before the record was written, killed while running, or failed in training: the journal has the truth.
        Assert.Equal(RunNextStep.Resume, RunState.Next(null, hasRunConfig: true, evaluated: false));
        Assert.Equal(RunNextStep.Resume, RunState.Next(Record(ExperimentRunRecord.Running), true, false));
        Assert.Equal(RunNextStep.Resume, RunState.Next(Record(ExperimentRunRecord.Failed), true, false));
        Assert.Equal(RunStatus.Partial, RunState.Status(null, true, false));
        Assert.Equal(RunStatus.Partial, RunState.Status(Record(ExperimentRunRecord.Running), true, false));
        Assert.Equal(RunStatus.Failed, RunState.Status(Record(ExperimentRunRecord.Failed), true, false));
        // A failure before gipo train wrote its run.conf leaves nothing to resume.
        Assert.Equal(RunNextStep.Start, RunState.Next(Record(ExperimentRunRecord.Failed), false, false));
    }

    [Fact]
    public void A_trained_run_is_only_evaluated_and_a_finished_one_is_skipped()
    {
        Assert.Equal(RunNextStep.Evaluate, RunState.Next(Record(ExperimentRunRecord.Running, trained: true), true, false));
        Assert.Equal(RunNextStep.Evaluate, RunState.Next(Record(ExperimentRunRecord.Failed, trained: true), true, false));
        Assert.Equal(RunNextStep.Skip, RunState.Next(Record(ExperimentRunRecord.Finished, trained: true), true, true));
        Assert.Equal(RunStatus.Finished, RunState.Status(Record(ExperimentRunRecord.Finished, trained: true), true, true));
        // A split added to the plan after the run finished: evaluated, not retrained.
        Assert.Equal(RunNextStep.Evaluate, RunState.Next(Record(ExperimentRunRecord.Finished, trained: true), true, false));
        Assert.Equal(RunStatus.Partial, RunState.Status(Record(ExperimentRunRecord.Finished, trained: true), true, false));
    }

    [Fact]
    public void The_record_uses_the_contract_field_names_and_reads_back()
    {
        var dir = Directory.CreateTempSubdirectory("gipo-record-").FullName;
        try
        {
            var record =
                Record(ExperimentRunRecord.Finished, trained: true) with { ExitCode = 0, WallSeconds = 12.5, ConfigSha256 = "ab", SftHash = "cd" };
            record.Write(dir);
            var json = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, ExperimentRunRecord.FileName)))!.AsObject();
            foreach (var key in new[] { "id", "task", "method", "seed", "status", "exit_code", "wall_seconds", "config_sha256", "sft_hash",
                                       "train_result" })
                Assert.True(json.ContainsKey(key), key);
            Assert.Equal("finished", json["status"]!.GetValue<string>());
            Assert.Equal(4, json["train_result"]!["steps"]!.GetValue<int>());
            var back = ExperimentRunRecord.Read(dir)!;
            Assert.Equal((record.Id, record.Status, record.WallSeconds, record.SftHash), (back.Id, back.Status, back.WallSeconds, back.SftHash));

            File.WriteAllText(Path.Combine(dir, ExperimentRunRecord.FileName), "{ cut"); // a torn file counts as none
            Assert.Null(ExperimentRunRecord.Read(dir));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Theory]
    [InlineData("countdown.dapo.*", "countdown.dapo.s0", true)]
    [InlineData("countdown.dapo.*", "countdown.dapo-clip-cov.s0", false)]
    [InlineData("*.s1", "countdown.grpo.s1", true)]
    [InlineData("*.s1", "countdown.grpo.s10", false)]
    [InlineData("countdown.grpo.s?,*.gipo.*", "column-add.gipo.s3", true)]
    [InlineData(null, "anything", true)]
    public void Only_globs_match_whole_run_ids(string? glob, string id, bool matches) => Assert.Equal(matches, new RunFilter(glob).Matches(id));

    [Fact]
    public void The_sft_band_check_names_the_value_and_the_band()
    {
        var band = new SftBand(0.15, 0.35);
        Assert.Null(band.Check("countdown", 0.15, 300, 4000, "rl-test"));
        Assert.Null(band.Check("countdown", 0.35, 300, 4000, "rl-test"));
        var low = band.Check("countdown", 0.12, 4000, 4000, "rl-test")!;
        Assert.Contains("rl-test pass@1 0.120", low);
        Assert.Contains("below the band [0.15, 0.35]", low);
        Assert.Contains("never reached", low);
        var high = band.Check("countdown", 0.41, 500, 4000, "rl-test")!;
        Assert.Contains("pass@1 0.410", high);
        Assert.Contains("above the band [0.15, 0.35]", high);
    }

    [Fact]
    public void Durations_read_at_a_glance() =>
        Assert.Equal(["35s", "4m12s", "1h02m"],
                     new[] { TimeSpan.FromSeconds(35), TimeSpan.FromSeconds(252), TimeSpan.FromMinutes(62) }.Select(ExperimentRunner.Duration));
}
