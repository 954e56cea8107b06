using Gipo.Cluster.Configuration;

namespace Gipo.Cluster.Tests.Configuration;

public sealed class GipoSettingsTests
{
    private static string Preset(string name) => Path.Combine(AppContext.BaseDirectory, "hocon", name);

    [Fact]
    public void Defaults_and_every_preset_load()
    {
        var defaults = GipoSettings.Load();
        Assert.Equal(16, defaults.Section("algorithm.batch").Int("groups-per-step"));
        foreach (var preset in new[] { "grpo.conf", "drgrpo.conf", "dapo.conf", "gipo-preset.conf" })
        {
            var s = GipoSettings.Load(Preset(preset));
            Assert.Equal(8, s.Section("algorithm.batch").Int("group-size")); // inherited from the defaults
        }
        Assert.Equal(0.04, GipoSettings.Load(Preset("grpo.conf")).Section("algorithm.kl").Double("beta"));
        Assert.Equal("none", GipoSettings.Load(Preset("dapo.conf")).Section("algorithm.entropy").String("mode"));
    }

    [Fact]
    public void Set_overrides_win_over_the_preset()
    {
        var s = GipoSettings.Load(Preset("dapo.conf"), ["algorithm.clip.eps-high=0.3", "gipo.algorithm.entropy.mode=gsec"]);
        Assert.Equal(0.3, s.Section("algorithm.clip").Double("eps-high"));
        Assert.Equal("gsec", s.Section("algorithm.entropy").String("mode"));
    }

    [Fact]
    public void Eval_seed_minus_one_keeps_the_derived_seeds_and_otherwise_seeds_prompts_and_sampling()
    {
        // -1 (the default) must reproduce the seeds used before eval-seed existed, so earlier runs' numbers stand.
        var derived = RunSettings.Read(GipoSettings.Load(overrides: ["run.seed=3"]));
        Assert.Equal(-1, derived.EvalSeed);
        Assert.Equal(3 + 7919, derived.EvalPromptSeed);
        Assert.Equal(3, derived.EvalSamplingSeed);

        var shared = RunSettings.Read(GipoSettings.Load(overrides: ["run.seed=3", "run.eval-seed=1234"]));
        Assert.Equal(1234, shared.EvalPromptSeed);
        Assert.Equal(1234, shared.EvalSamplingSeed);
        Assert.Equal(shared.EvalPromptSeed, RunSettings.Read(GipoSettings.Load(overrides: ["run.seed=4", "run.eval-seed=1234"])).EvalPromptSeed);
        Assert.Contains("'gipo.run.eval-seed' = '-2'",
                        Assert.Throws<ArgumentException>(() => RunSettings.Read(GipoSettings.Load(overrides: ["run.eval-seed=-2"]))).Message);
    }

    [Fact]
    public void Unknown_key_is_named_with_a_suggestion()
    {
        var e = Assert.Throws<ArgumentException>(() => GipoSettings.Load(overrides: ["algorithm.clip.eps-hgh=0.3"]));
        Assert.Contains("unknown key(s) 'gipo.algorithm.clip.eps-hgh'", e.Message);
        Assert.Contains("did you mean 'gipo.algorithm.clip.eps-high'", e.Message);

        var file = Path.Combine(Path.GetTempPath(), $"gipo-{Guid.NewGuid():N}.conf");
        File.WriteAllText(file, "gipo.algorithm.optim { lr = 1e-4, momentum = 0.9 }");
        try
        {
            e = Assert.Throws<ArgumentException>(() => GipoSettings.Load(file));
            Assert.Contains("'gipo.algorithm.optim.momentum'", e.Message);
            Assert.Contains(file, e.Message);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Typed_reads_name_the_key_and_the_allowed_values()
    {
        var s = GipoSettings.Load(overrides: ["algorithm.batch.group-size=1", "algorithm.advantage.norm=zscore", "algorithm.ib.enabled=maybe"]);
        Assert.Contains("'gipo.algorithm.batch.group-size' = '1' must be an integer in [2,",
            Assert.Throws<ArgumentException>(() => s.Section("algorithm.batch").Int("group-size", min: 2)).Message);
        Assert.Contains("is not one of grpo, drgrpo",
            Assert.Throws<ArgumentException>(() => s.Section("algorithm.advantage")
                .Choice("norm", new Dictionary<string, int> { ["grpo"] = 0, ["drgrpo"] = 1 })).Message);
        Assert.Contains("must be on or off", Assert.Throws<ArgumentException>(() => s.Section("algorithm.ib").Bool("enabled")).Message);
    }

    [Fact]
    public void Anneal_steps_default_to_the_run_after_calibration()
    {
        // §B.5: T_anneal = total steps − N_cal, so κ reaches κ₁ at the run's last step whatever its length.
        Assert.Equal(35, AlgorithmSettingsReader.Read(GipoSettings.Load(overrides: ["run.steps=40"])).Scheduler.TAnneal);
        Assert.Equal(30,
            AlgorithmSettingsReader.Read(GipoSettings.Load(overrides: ["run.steps=40", "algorithm.gsec.calibration-steps=10"])).Scheduler.TAnneal);
        Assert.Equal(1, AlgorithmSettingsReader.Read(GipoSettings.Load(overrides: ["run.steps=3"])).Scheduler.TAnneal); // all calibration: at least 1
        Assert.Equal(12,
            AlgorithmSettingsReader.Read(GipoSettings.Load(overrides: ["run.steps=40", "algorithm.gsec.anneal-steps=12"])).Scheduler.TAnneal);
    }

    [Fact]
    public void Anneal_steps_past_the_run_are_refused_naming_the_key()
    {
        Assert.Equal(40,
            AlgorithmSettingsReader.Read(GipoSettings.Load(overrides: ["run.steps=40", "algorithm.gsec.anneal-steps=40"])).Scheduler.TAnneal);
        var e = Assert.Throws<ArgumentException>(() =>
            AlgorithmSettingsReader.Read(GipoSettings.Load(overrides: ["run.steps=40", "algorithm.gsec.anneal-steps=41"])));
        Assert.Contains("'gipo.algorithm.gsec.anneal-steps' = '41'", e.Message);
        Assert.Contains("run.steps", e.Message);
        Assert.Contains("auto", e.Message);
    }

    [Theory]
    [InlineData("algorithm.optim.lr=0", "'gipo.algorithm.optim.lr' = '0' must be a number greater than zero")]
    [InlineData("algorithm.optim.warmup-steps=-1", "'gipo.algorithm.optim.warmup-steps' = '-1'")]
    [InlineData("algorithm.batch.group-size=1", "'gipo.algorithm.batch.group-size' = '1'")]
    [InlineData("algorithm.optim.minibatches=17", "optim.minibatches must be in 1..groups-per-step (16)")]
    public void Algorithm_ranges_are_refused_once_naming_the_key(string change, string fragment) =>
        Assert.Contains(fragment,
            Assert.Throws<ArgumentException>(() => AlgorithmSettingsReader.Read(GipoSettings.Load(overrides: [change]))).Message);

    [Fact]
    public void Missing_file_and_bad_syntax_are_clear_errors()
    {
        Assert.Contains("does not exist", Assert.Throws<FileNotFoundException>(() => GipoSettings.Load("/nope/x.conf")).Message);
        Assert.Contains("expected key=value", Assert.Throws<ArgumentException>(() => GipoSettings.Load(overrides: ["novalue"])).Message);
    }

    [Fact]
    public void Every_default_key_carries_a_comment()
    {
        // "one documented key per setting": each leaf line of gipo.conf ends with a # comment.
        var lines = File.ReadAllLines(Preset("gipo.conf")).Select(l => l.Trim())
            .Where(l => l.Contains('=') && !l.StartsWith('#')).ToList();
        Assert.NotEmpty(lines);
        Assert.DoesNotContain(lines, l => !l.Contains('#'));
    }
}
