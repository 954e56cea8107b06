using System.Globalization;
using System.Text.Json;
using Gipo.Cli.Experiments;

namespace Gipo.Cli.Tests.Experiments;

/// <summary>
/// The report on a hand-written results folder: task column-add, methods grpo and gipo × seeds 1, 2 × 3 prompts
/// (n = 4 samples each) finished; dapo has one failed and one running run, so its cells are missing; the ood split was
/// never evaluated. Expected values are worked out by hand in the comments.
/// </summary>
public sealed class ExperimentReportTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("gipo-report-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static readonly ExperimentReportOptions Options = new(
        Name: "toy", Methods: ["grpo", "dapo", "gipo"], Tasks: ["column-add"], Baselines: ["grpo"],
        PrimaryMetrics: ["rl-test/pass@1", "auc_pass@1_vs_trajectories"], Splits: ["rl-test", "ood"], Ks: [1, 2],
        Budgets: [0.5, 1.0], BootstrapResamples: 2000, BootstrapSeed: 3);

    // Correct counts of the three prompts, greedy correctness and distinct correct solutions, per run.
    //   grpo s1: c = 1, 2, 4   greedy 0, 1, 1   distinct 1, 1, 2
    //   grpo s2: c = 0, 2, 4   greedy 0, 0, 1   distinct 0, 1, 2
    //   gipo s1: c = 2, 3, 4   greedy 1, 1, 1   distinct 2, 2, 3
    //   gipo s2: c = 1, 3, 4   greedy 0, 1, 1   distinct 1, 2, 3
    // budget@0.5 is 0 everywhere; budget@1 equals greedy.
    private void WriteFixture()
    {
        Run("column-add.grpo.s1", "grpo", 1, [1, 2, 4], [0, 1, 1], [1, 1, 2], passAtKInFile: true,
            evalX: [0, 80, 160], evalY: [0.2, 0.4, 0.6], entropyBase: [1.0, 0.8], gipo: false);
        Run("column-add.grpo.s2", "grpo", 2, [0, 2, 4], [0, 0, 1], [0, 1, 2], passAtKInFile: true,
            evalX: [0, 80, 160], evalY: [0.2, 0.3, 0.4], entropyBase: [1.1, 0.7], gipo: false);
        // This one's eval lines carry no pass_at_k: pass@2 must come from n and c (Chen et al.).
        Run("column-add.gipo.s1", "gipo", 1, [2, 3, 4], [1, 1, 1], [2, 2, 3], passAtKInFile: false,
            evalX: [0, 100, 200], evalY: [0.2, 0.5, 0.7], entropyBase: [1.2, 1.0], gipo: true);
        Run("column-add.gipo.s2", "gipo", 2, [1, 3, 4], [0, 1, 1], [1, 2, 3], passAtKInFile: true,
            evalX: [0, 100, 200], evalY: [0.2, 0.6, 0.6], entropyBase: [1.2, 1.0], gipo: true);
        Record("column-add.dapo.s1", "dapo", 1, "failed", exitCode: 1);
        Record("column-add.dapo.s2", "dapo", 2, "running", exitCode: null);
        File.WriteAllText(Path.Combine(dir, "runs", "column-add.dapo.s2", "metrics.jsonl"),
                          """{"step":0,"samples_total":0,"eval_pass_at_1":0.2}""" + "\n{\"step\":1,\"sampl");
        Directory.CreateDirectory(Path.Combine(dir, "runs", "column-add.gipo.s3")); // started folder, no record yet
    }

    private void Record(string id, string method, int seed, string status, int? exitCode)
    {
        var run = Directory.CreateDirectory(Path.Combine(dir, "runs", id)).FullName;
        var exitCodeJson = exitCode is { } e ? e.ToString() : "null";
        File.WriteAllText(Path.Combine(run, "experiment-run.json"), $$"""
            {"id":"{{id}}","task":"column-add","method":"{{method}}","seed":{{seed}},"status":"{{status}}","exit_code":{{exitCodeJson}},
             "wall_seconds":12.5,"config_sha256":"abc","sft_hash":"def","train_result":{{(status == "finished" ? """{"steps":10}""" : "null")}}}
            """);
    }

    private void Run(string id, string method, int seed, int[] correct, int[] greedy, int[] distinct, bool passAtKInFile,
        double[] evalX, double[] evalY, double[] entropyBase, bool gipo)
    {
        Record(id, method, seed, "finished", 0);
        var run = Path.Combine(dir, "runs", id);
        var lines = correct.Select((c, i) =>
        {
            var passAtK = passAtKInFile ? $$""","pass_at_k":{"1":{{F(c / 4.0)}},"2":{{F(1 - Choose(4 - c, 2) / 6.0)}}}""" : "";
            return $$"""{"prompt_index":{{i}},"prompt":"Q:ADD {{i}} {{i}}","n":4,"correct":{{c}}{{passAtK}},"distinct_correct":""" +
                   $$"""{{distinct[i]}},"greedy_correct":{{greedy[i]}},"budget_correct":{"0.5":0,"1":{{greedy[i]}}},"response_tokens_mean":7.5}""";
        });
        File.WriteAllText(Path.Combine(run, "eval-rl-test.jsonl"), string.Join("\n", lines) + "\n");
        File.WriteAllText(Path.Combine(run, "eval-rl-test.json"), """{"pass_at_1":0}""");

        // Steps 0..10; evaluations at 0, 5 and 10. Step 0 is the pre-training evaluation and has no learner metrics.
        var metrics = new List<string>();
        for (var step = 0; step <= 10; step++)
        {
            var x = step * evalX[^1] / 10;
            var evaluation = step % 5 == 0 ? $",\"eval_pass_at_1\":{F(evalY[step / 5])}" : "";
            var learner = step == 0 ? "" : $",\"bucket_entropy\":[{F(entropyBase[0] - 0.05 * step)},{F(entropyBase[1] - 0.05 * step)}]" +
                (gipo
                    ? $",\"bucket_target\":[0.6,0.4],\"bucket_alpha\":[{F(0.01 * step)},0]," +
                      $"\"ib_auroc\":{F(0.5 + 0.02 * step)},\"ib_rho\":{F(0.1 * step)},\"ib_sign_flip\":0.25"
                    : "");
            metrics.Add($"{{\"step\":{step},\"policy_version\":{step},\"samples_total\":{F(x)}{evaluation}{learner}}}");
        }
        File.WriteAllText(Path.Combine(run, "metrics.jsonl"), string.Join("\n", metrics) + "\n");
    }

    [Fact]
    public void Table_csv_holds_the_hand_computed_means_and_the_plots_are_pngs()
    {
        WriteFixture();
        var written = ExperimentReport.Write(dir, Options);

        var rows = ReadCsv(Path.Combine(dir, "table.csv"));
        string[] Cell(string metric, string method, string baseline = "") =>
            rows.Single(r => r[0] == (baseline == "" ? "method" : "delta") && r[1] == "column-add" && r[3] == metric && r[5] == method
                && r[6] == baseline);
        double Mean(string metric, string method, string baseline = "") =>
            double.Parse(Cell(metric, method, baseline)[9], CultureInfo.InvariantCulture);

        // pass@1 = mean of c/4 over the six (seed, prompt) cells: grpo (1+2+4+0+2+4)/24, gipo (2+3+4+1+3+4)/24.
        Assert.Equal(13 / 24.0, Mean("rl-test/pass@1", "grpo"), 9);
        Assert.Equal(17 / 24.0, Mean("rl-test/pass@1", "gipo"), 9);
        // pass@2 per prompt = 1 − C(4−c, 2)/6: c = 0 → 0, 1 → 1/2, 2 → 5/6, 3 or 4 → 1.
        Assert.Equal((0.5 + 5 / 6.0 + 1 + 0 + 5 / 6.0 + 1) / 6, Mean("rl-test/pass@2", "grpo"), 9);
        Assert.Equal((5 / 6.0 + 1 + 1 + 0.5 + 1 + 1) / 6, Mean("rl-test/pass@2", "gipo"), 9);
        Assert.Equal(3 / 6.0, Mean("rl-test/greedy", "grpo"), 9);
        Assert.Equal(5 / 6.0, Mean("rl-test/greedy", "gipo"), 9);
        Assert.Equal(13 / 6.0, Mean("rl-test/distinct_correct", "gipo"), 9);
        Assert.Equal(0.0, Mean("rl-test/budget@0.5", "gipo"), 9);
        Assert.Equal(5 / 6.0, Mean("rl-test/budget@1", "gipo"), 9);
        // Std over seeds of pass@1: seed means 7/12 and 6/12, sample std = (1/12)/√2.
        Assert.Equal(1 / 12.0 / Math.Sqrt(2), double.Parse(Cell("rl-test/pass@1", "grpo")[10], CultureInfo.InvariantCulture), 9);
        Assert.Equal(["2", "2"], Cell("rl-test/pass@1", "grpo")[7..9]);
        Assert.Equal("true", Cell("rl-test/pass@1", "grpo")[4]);
        Assert.Equal("false", Cell("rl-test/greedy", "grpo")[4]);

        // AUC: grpo s1 (80·0.3 + 80·0.5)/160 = 0.4, s2 (80·0.25 + 80·0.35)/160 = 0.3; gipo s1 (100·0.35 + 100·0.6)/200 = 0.475, s2 0.5.
        Assert.Equal(0.35, Mean("auc_pass@1_vs_trajectories", "grpo"), 9);
        Assert.Equal(0.4875, Mean("auc_pass@1_vs_trajectories", "gipo"), 9);
        // Level = 0.9 · mean(0.6, 0.4) = 0.45. grpo s1 reaches it at 80 + 80·0.05/0.2 = 100, s2 never (n = 1);
        // gipo s1 at 100·0.25/0.3, s2 at 100·0.25/0.4.
        Assert.Equal(100, Mean("trajectories_to_90pct_reference_final", "grpo"), 6);
        Assert.Equal("1", Cell("trajectories_to_90pct_reference_final", "grpo")[7]);
        Assert.Equal((250 / 3.0 + 62.5) / 2, Mean("trajectories_to_90pct_reference_final", "gipo"), 6);
        // Last 10% of the 10 logged learner steps is step 10: H = base − 0.5.
        Assert.Equal(0.55, Mean("entropy_last10/b0", "grpo"), 9);
        Assert.Equal(0.25, Mean("entropy_last10/b1", "grpo"), 9);
        var gipoB0 = Cell("entropy_last10/b0", "gipo");
        Assert.Equal(["0.7", "0.7"], new[] { gipoB0[11], gipoB0[12] }
            .Select(v => double.Parse(v, CultureInfo.InvariantCulture).ToString("0.######", CultureInfo.InvariantCulture)));

        // Paired Δ of pass@1, gipo − grpo: per (seed, prompt) differences are 1/4, 1/4, 0 on both seeds → 1/6.
        // A resample has Δ ≤ 0 only if all six draws are the 0 prompt: (1/3)^6 ≈ 0.0014.
        var delta = Cell("rl-test/pass@1", "gipo", "grpo");
        Assert.Equal(1 / 6.0, Mean("rl-test/pass@1", "gipo", "grpo"), 9);
        Assert.InRange(double.Parse(delta[13], CultureInfo.InvariantCulture), 0, 0.01);
        Assert.True(double.Parse(delta[11], CultureInfo.InvariantCulture) > 0);

        // dapo: one failed, one running → nothing aggregated, counts shown, no crash; ood was never evaluated.
        Assert.Equal(["0", "2", ""], Cell("rl-test/pass@1", "dapo")[7..10]);
        Assert.Equal(["0", "2", ""], Cell("rl-test/pass@1", "dapo", "grpo")[7..10]);
        Assert.Equal("", Cell("ood/pass@1", "gipo")[9]);

        var md = File.ReadAllText(Path.Combine(dir, "table.md"));
        Assert.Contains("Runs: 4/6 finished", md);
        Assert.Contains("1 failed, 1 running", md);
        Assert.Contains("| dapo | 0/2 | – (0/2)", md);
        Assert.Contains("pass@1 ★", md);
        Assert.Contains("0.542 [", md);
        Assert.Contains("100 [100, 100] (n=1)", md); // trajectories to 90%: grpo s2 never gets there
        Assert.Contains("-16.667 [-16.667, -16.667] p=1.000 (n=1)", md); // gipo s1 − grpo s1 = 83.333 − 100
        Assert.Contains("no experiment-run.json", md);

        var runs = File.ReadAllLines(Path.Combine(dir, "runs.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["column-add.grpo.s1", "column-add.grpo.s2", "column-add.dapo.s1", "column-add.dapo.s2", "column-add.gipo.s1",
                      "column-add.gipo.s2"],
            runs.Select(r => r.GetProperty("id").GetString()));
        var gipo1 = runs[4];
        Assert.Equal(0.75, gipo1.GetProperty("metrics").GetProperty("rl-test/pass@1").GetDouble(), 9);
        Assert.Equal(1.0, gipo1.GetProperty("mechanism").GetProperty("scalars").GetProperty("ib_rho").GetProperty("final").GetDouble(), 9);
        Assert.Equal(0.1, gipo1.GetProperty("mechanism").GetProperty("multipliers").GetProperty("bucket_alpha").GetProperty("max")[0].GetDouble(), 9);
        Assert.Equal(0.6, runs[0].GetProperty("training").GetProperty("eval_pass_at_1_final").GetDouble(), 9);
        Assert.Equal("failed", runs[2].GetProperty("status").GetString());

        string[] pngs = ["column-add.pass1-vs-trajectories.png", "column-add.pass-at-k.rl-test.png", "column-add.entropy.grpo.png",
            "column-add.entropy.gipo.png", "column-add.multipliers.gipo.png", "column-add.auroc-rho.png"];
        foreach (var png in pngs)
        {
            var path = Path.Combine(dir, "plots", png);
            Assert.Contains(path, written);
            var bytes = File.ReadAllBytes(path);
            Assert.True(bytes.Length > 1000, png);
            Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8]);
        }
        Assert.False(File.Exists(Path.Combine(dir, "plots", "column-add.multipliers.grpo.png")));
        Assert.Empty(Directory.GetFiles(dir, "*.tmp-*", SearchOption.AllDirectories));
    }

    [Fact]
    public void Planned_runs_are_the_plans_seeds_per_method()
    {
        WriteFixture();
        // The plan names 3 seeds for gipo and 2 for the others; the fixture has 2 finished runs of each.
        var seeds = new Dictionary<string, IReadOnlyList<int>> { ["grpo"] = [0, 1], ["dapo"] = [0, 1], ["gipo"] = [0, 1, 2] };
        ExperimentReport.Write(dir, Options with { MethodSeeds = seeds });
        var table = File.ReadAllText(Path.Combine(dir, "table.md"));
        Assert.Contains("| gipo | 2/3 |", table);
        Assert.Contains("| grpo | 2/2 |", table);
        Assert.Contains("finished (planned = 1 tasks × the plan's seeds per method: grpo 2, dapo 2, gipo 3)", table);
    }

    [Fact]
    public void The_same_inputs_give_the_same_table()
    {
        WriteFixture();
        ExperimentReport.Write(dir, Options);
        var first = File.ReadAllText(Path.Combine(dir, "table.csv"));
        ExperimentReport.Write(dir, Options);
        Assert.Equal(first, File.ReadAllText(Path.Combine(dir, "table.csv")));
    }

    [Fact]
    public void An_empty_results_folder_gives_a_report_of_missing_runs()
    {
        var written = ExperimentReport.Write(dir, Options);
        Assert.Contains(Path.Combine(dir, "table.md"), written);
        Assert.Contains("Runs: 0/0 finished", File.ReadAllText(Path.Combine(dir, "table.md")));
        Assert.Equal(ReportTables.CsvHeader, File.ReadAllLines(Path.Combine(dir, "table.csv"))[0]);
    }

    [Fact]
    public void A_malformed_eval_line_is_reported_with_file_and_line()
    {
        WriteFixture();
        var path = Path.Combine(dir, "runs", "column-add.gipo.s2", "eval-rl-test.jsonl");
        var lines = File.ReadAllLines(path);
        lines[1] = lines[1].Replace("\"correct\":3", "\"correct\":\"three\"");
        File.WriteAllLines(path, lines);
        var e = Assert.Throws<InvalidDataException>(() => ExperimentReport.Write(dir, Options));
        Assert.Contains($"{path}:2", e.Message);
        Assert.Contains("'correct'", e.Message);
    }

    [Fact]
    public void Runs_that_evaluated_different_prompts_are_not_paired()
    {
        WriteFixture();
        var path = Path.Combine(dir, "runs", "column-add.gipo.s1", "eval-rl-test.jsonl");
        File.WriteAllText(path, File.ReadAllText(path).Replace("Q:ADD 2 2", "Q:ADD 9 9"));
        var e = Assert.Throws<InvalidDataException>(() => ExperimentReport.Write(dir, Options));
        Assert.Contains(path, e.Message);
        Assert.Contains("line 3", e.Message);
    }

    [Fact]
    public void Two_finished_runs_of_one_task_method_and_seed_are_refused()
    {
        WriteFixture();
        var copy = Directory.CreateDirectory(Path.Combine(dir, "runs", "column-add.gipo.s1-again")).FullName;
        foreach (var file in Directory.GetFiles(Path.Combine(dir, "runs", "column-add.gipo.s1"))) File.Copy(file,
            Path.Combine(copy, Path.GetFileName(file)));
        var e = Assert.Throws<InvalidDataException>(() => ExperimentReport.Write(dir, Options));
        Assert.Contains("seed 1: several finished runs", e.Message);
    }

    private static List<string[]> ReadCsv(string path) =>
        File.ReadAllLines(path).Skip(1).Select(l => l.Split(',')).ToList(); // the fixture has no quoted cells

    private static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    private static double Choose(int n, int k) => n < k ? 0 : k == 2 ? n * (n - 1) / 2.0 : throw new ArgumentException("k = 2 only");
}
