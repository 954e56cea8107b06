using Gipo.Cli.Experiments;

namespace Gipo.Cli.Tests.Experiments;

public sealed class ExperimentPlanTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("gipo-plan-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static string Preset(string name) => Path.Combine(AppContext.BaseDirectory, "hocon", name).Replace("\\", "/");

    /// <summary>The plan of the issue's example, with the presets of this build.</summary>
    private static string Valid => $$"""
        experiment {
          name = countdown
          description = "DAPO vs GRPO"
          primary-metrics = ["rl-test/pass@1", "rl-test/pass@8"]
          baselines = [dapo, grpo]
          seeds = [0, 1, 2]
          steps = 40
          threads-per-run = 2
          set = ["run.eval-every=10", "run.checkpoint-every=10"]
          evaluation {
            seed = 1234
            prompts = 200, samples = 8, k = [1, 2, 4, 8], budgets = [0.5, 0.75, 1.0, 1.5]
            splits = [rl-test, ood]
            max-new-tokens = 96
          }
          bootstrap { resamples = 2000, seed = 7 }
          tasks {
            countdown {
              set = ["algorithm.batch.max-new-tokens=64"]
              sft { hidden = 256, layers = 4, heads = 4, intermediate = 704, batch = 64, lr = 1e-3, final-lr-fraction = 1.0,
                    max-steps = 4000, eval-every = 100, eval-prompts = 200, seed = 0, eval-split = rl-test, band = [0.15, 0.35] }
            }
          }
          methods {
            grpo { config = "{{Preset("grpo.conf")}}" }
            dapo { config = "{{Preset("dapo.conf")}}", seeds = [0, 1, 2, 3, 4] }
            dapo-clip-cov { config = "{{Preset("dapo.conf")}}", set = ["algorithm.entropy.mode=clip_cov"] }
          }
        }
        """;

    private ExperimentPlan Parse(string text) => ExperimentPlan.Parse(text, "plan.conf", dir);

    private ArgumentException Rejects(string text) => Assert.Throws<ArgumentException>(() => Parse(text));

    [Fact]
    public void A_valid_plan_reads_every_setting_and_expands_tasks_by_methods_by_seeds_in_plan_order()
    {
        var plan = Parse(Valid);
        Assert.Equal("countdown", plan.Name);
        Assert.Equal(["rl-test/pass@1", "rl-test/pass@8"], plan.PrimaryMetrics);
        Assert.Equal(["dapo", "grpo"], plan.Baselines);
        Assert.Equal(40, plan.Steps);
        Assert.Equal(2, plan.ThreadsPerRun);
        Assert.Equal((1234, 200, 8, 96), (plan.Evaluation.Seed, plan.Evaluation.Prompts, plan.Evaluation.Samples, plan.Evaluation.MaxNewTokens));
        Assert.Equal(["rl-test", "ood"], plan.Evaluation.Splits);
        Assert.Equal([1, 2, 4, 8], plan.Evaluation.Ks);
        Assert.Equal([0.5, 0.75, 1.0, 1.5], plan.Evaluation.Budgets);
        Assert.Equal((2000, 7), (plan.BootstrapResamples, plan.BootstrapSeed));
        Assert.Equal(["grpo", "dapo", "dapo-clip-cov"], plan.Methods.Select(m => m.Name));
        Assert.Equal([0, 1, 2, 3, 4], plan.Methods[1].Seeds); // its own seeds
        Assert.Equal([0, 1, 2], plan.Methods[2].Seeds);        // the plan's

        var task = Assert.Single(plan.Tasks);
        Assert.Equal("countdown", task.ReasoningTask); // the task key names the reasoning task
        Assert.Equal(new SftBand(0.15, 0.35), task.Sft.Band);
        Assert.Equal(("rl-test", 4000, 1e-3), (task.Sft.EvalSplit, task.Sft.MaxSteps, task.Sft.LearningRate));

        Assert.Equal(3 + 5 + 3, plan.Runs.Count);
        Assert.Equal(["countdown.grpo.s0", "countdown.grpo.s1", "countdown.grpo.s2", "countdown.dapo.s0"], plan.Runs.Take(4).Select(r => r.Id));
        Assert.Equal("countdown.dapo-clip-cov.s2", plan.Runs[^1].Id);
        Assert.Equal(64, plan.Sha256.Length);
    }

    [Fact]
    public void Training_evaluations_take_training_samples_and_the_final_evaluation_keeps_samples()
    {
        var plan = Parse(Valid.Replace("samples = 8", "samples = 8, training-samples = 4"));
        Assert.Equal(4, plan.Evaluation.TrainingSamples);
        Assert.Contains("run.eval-samples=4", plan.TrainOverrides(plan.Runs[0]));
        var runner = new ExperimentRunner(plan, ExperimentLayout.For(dir, plan.Name), "plan.conf", 1, new RunFilter(null), "");
        Assert.Contains("--samples 8", string.Join(' ', runner.EvalArguments(plan.Runs[0], "/ckpt", "rl-test")));
    }

    [Fact]
    public void Run_overrides_go_plan_then_task_then_method_and_the_plan_run_settings_win()
    {
        var plan = Parse(Valid);
        var run = plan.Runs.Single(r => r.Id == "countdown.dapo-clip-cov.s1");
        Assert.Equal(
        [
            "run.task=countdown", "run.eval-every=10", "run.checkpoint-every=10", "algorithm.batch.max-new-tokens=64",
            "algorithm.entropy.mode=clip_cov",
            "run.seed=1", "run.steps=40", "run.torch-threads=2", "run.eval-seed=1234", "run.eval-prompts=200", "run.eval-samples=8",
        ], plan.TrainOverrides(run));

        var layout = ExperimentLayout.For(dir, plan.Name);
        var runner = new ExperimentRunner(plan, layout, "plan.conf", 1, new RunFilter(null), "");
        var train = runner.TrainArguments(run, "/sft/checkpoint");
        Assert.Equal(["train", "--config", Preset("dapo.conf"), "--base", "/sft/checkpoint"], train.Take(5));
        Assert.Equal(["--runs-dir", layout.Runs, "--run-id", "countdown.dapo-clip-cov.s1", "--json"], train.TakeLast(5));
        Assert.Equal(plan.TrainOverrides(run).Count, train.Count(a => a == "--set"));

        var eval = string.Join(' ', runner.EvalArguments(run, "/ckpt", "ood"));
        Assert.Contains("--split ood --prompts 200 --samples 8 --k 1,2,4,8 --budgets 0.5,0.75,1,1.5 --max-new-tokens 96 " +
                        "--seed 1234 --threads 2", eval);
        Assert.Contains($"--per-prompt {layout.EvalPerPrompt(run.Id, "ood")} --json", eval);
    }

    [Theory]
    [InlineData("threads-per-run = 2", "threads-per-run = 2\n  stepz = 3", "unknown key(s) 'experiment.stepz'")]
    [InlineData("max-new-tokens = 96", "max-new-tokens = 96, sed = 3", "unknown key(s) 'experiment.evaluation.sed'")]
    [InlineData("seed = 0, eval-split", "sed = 0, eval-split", "unknown key(s) 'experiment.tasks.countdown.sft.sed'")]
    [InlineData("experiment {", "experimnt {", "unknown key(s) 'experimnt'")]
    public void An_unknown_key_is_an_error_naming_it(string from, string to, string message) =>
        Assert.Contains(message, Rejects(Valid.Replace(from, to)).Message);

    [Fact]
    public void A_missing_method_config_is_an_error_naming_the_method_and_the_path()
    {
        var e = Rejects(Valid.Replace(Preset("grpo.conf"), "hocon/no-such-preset.conf"));
        Assert.Contains("'experiment.methods.grpo.config' = 'hocon/no-such-preset.conf': no such file", e.Message);
    }

    [Theory]
    [InlineData("band = [0.35, 0.15]")]
    [InlineData("band = [0.15]")]
    [InlineData("band = [0.15, 1.5]")]
    public void A_bad_band_is_an_error(string band) =>
        Assert.Contains("'experiment.tasks.countdown.sft.band'", Rejects(Valid.Replace("band = [0.15, 0.35]", band)).Message);

    [Fact]
    public void Other_mistakes_are_named_before_any_run()
    {
        Assert.Contains("'experiment.baselines' names 'gipo', which is not a method",
            Rejects(Valid.Replace("baselines = [dapo, grpo]", "baselines = [dapo, gipo]")).Message);
        // An override is resolved as gipo train will resolve it: a misspelt key fails now, naming the run.
        Assert.Contains("run countdown.grpo.s0: --set run.eval-evry=10: unknown key(s) 'gipo.run.eval-evry'",
            Rejects(Valid.Replace("run.eval-every=10", "run.eval-evry=10")).Message);
        Assert.Contains("must be letters, digits", Rejects(Valid.Replace("dapo-clip-cov {", "\"dapo+clip\" {")).Message);
        Assert.Contains("'experiment.tasks.countdown.sft.eval-split' = 'rl-train' is not a held-out split",
            Rejects(Valid.Replace("eval-split = rl-test", "eval-split = rl-train")).Message);
        Assert.Contains("'experiment.evaluation.k' item '16' must be an integer in [1, 8]",
                        Rejects(Valid.Replace("k = [1, 2, 4, 8]", "k = [1, 16]")).Message);
        Assert.Contains("'experiment.seeds' names a seed twice", Rejects(Valid.Replace("seeds = [0, 1, 2]", "seeds = [0, 1, 1]")).Message);
        Assert.Contains("missing key 'experiment.steps'", Rejects(Valid.Replace("  steps = 40\n", "\n")).Message);
        Assert.Contains("say which task it trains on", Rejects(Valid.Replace("    countdown {\n", "    cd {\n")).Message);
        Assert.Contains("'experiment.tasks.countdown.sft.hidden' = 250 must be a multiple of heads = 4",
                        Rejects(Valid.Replace("hidden = 256", "hidden = 250")).Message);
    }

    [Fact]
    public void A_task_key_that_is_no_task_name_trains_on_its_run_task_and_a_reused_checkpoint_allows_no_build_settings()
    {
        var fixture = Path.Combine(AppContext.BaseDirectory, "Fixtures", "sft-column-add-small").Replace("\\", "/");
        var reuse = System.Text.RegularExpressions.Regex.Replace(Valid, @"sft \{[^}]*\}", $"sft.checkpoint = \"{fixture}\"");
        var plan = Parse(reuse.Replace("    countdown {\n      set = [", "    add-long {\n      set = [\"run.task=column-add\", "));
        Assert.Equal("column-add", plan.Tasks[0].ReasoningTask);
        Assert.Equal(Path.GetFullPath(fixture), plan.Tasks[0].Sft.Checkpoint);
        Assert.Equal("add-long.grpo.s0", plan.Runs[0].Id);
        Assert.Contains("algorithm.batch.max-new-tokens=64", plan.TrainOverrides(plan.Runs[0]));
        // Reuse means exactly that checkpoint: build settings beside it would be ignored, so they are errors.
        Assert.Contains("unknown key(s) 'experiment.tasks.countdown.sft.hidden'",
            Rejects(Valid.Replace("sft { hidden = 256,", $"sft {{ checkpoint = \"{fixture}\", hidden = 256,")).Message);
    }

    [Fact]
    public void The_sft_hash_covers_every_setting_and_the_task_and_nothing_else()
    {
        var sft = Parse(Valid).Tasks[0].Sft;
        Assert.Equal(sft.SettingsHash("countdown"),
                     Parse(Valid.Replace("description = \"DAPO vs GRPO\"", "description = \"other\"")).Tasks[0].Sft.SettingsHash("countdown"));
        Assert.NotEqual(sft.SettingsHash("countdown"), sft.SettingsHash("column-add"));
        Assert.NotEqual(sft.SettingsHash("countdown"), (sft with { Seed = 1 }).SettingsHash("countdown"));
        Assert.NotEqual(sft.SettingsHash("countdown"), (sft with { Band = new SftBand(0.15, 0.4) }).SettingsHash("countdown"));
        Assert.NotEqual(sft.SettingsHash("countdown"), (sft with { EvalSplit = "sft-test" }).SettingsHash("countdown"));
        Assert.Matches("^[0-9a-f]{64}$", sft.SettingsHash("countdown"));
    }

    [Fact]
    public void Report_options_follow_the_plan()
    {
        var o = ExperimentReportOptions.Of(Parse(Valid));
        Assert.Equal("countdown", o.Name);
        Assert.Equal(["grpo", "dapo", "dapo-clip-cov"], o.Methods);
        Assert.Equal(["countdown"], o.Tasks);
        Assert.Equal(["dapo", "grpo"], o.Baselines);
        Assert.Equal(["rl-test", "ood"], o.Splits);
        Assert.Equal([1, 2, 4, 8], o.Ks);
        Assert.Equal((2000, 7), (o.BootstrapResamples, o.BootstrapSeed));
    }
}
