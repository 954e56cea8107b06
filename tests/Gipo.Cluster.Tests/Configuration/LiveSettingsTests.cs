using Gipo.Cluster.Configuration;
using Gipo.Cluster.Coordination;
using Gipo.Core.Algorithm.Entropy;
using Gipo.Core.Algorithm.InformationBottleneck;

namespace Gipo.Cluster.Tests.Configuration;

/// <summary>The pure parts of live reconfiguration: which keys may change, their validation, the settings in force at a step.</summary>
public sealed class LiveSettingsTests
{
    private static readonly GipoSettings Base = GipoSettings.Load(null, ["run.steps=20", "algorithm.optim.lr=1e-4"]);

    [Fact(DisplayName = "gipo set arguments: full keys, a key that cannot change live refused by name, an unknown key refused with a suggestion")]
    public void Parse_refuses_by_name()
    {
        var changes = LiveSettings.Parse(["algorithm.optim.lr=5e-5", "gipo.algorithm.off-policy.max-staleness = 0"]);
        Assert.Equal([new SettingChange(LiveSettings.LearningRate, "5e-5"), new SettingChange(LiveSettings.MaxStaleness, "0")], changes);

        var notLive = Assert.Throws<ArgumentException>(() => LiveSettings.Parse(["algorithm.batch.group-size=4"]));
        Assert.Contains("'gipo.algorithm.batch.group-size' cannot change while a run is going", notLive.Message);
        var unknown = Assert.Throws<ArgumentException>(() => LiveSettings.Parse(["algorithm.optim.lrr=1"]));
        Assert.Contains("unknown key", unknown.Message);
        Assert.Contains("gipo.algorithm.optim.lr", unknown.Message);
        Assert.Contains("given twice", Assert.Throws<ArgumentException>(() => LiveSettings.Parse(["run.steps=5", "gipo.run.steps=6"])).Message);
    }

    [Fact(DisplayName = "A live change is validated like a start-up setting: the reason names the key")]
    public void Validation_is_the_startup_validation()
    {
        Change("algorithm.optim.lr=3e-5");
        Assert.Contains("'gipo.algorithm.optim.lr' = '-1'", Refused("algorithm.optim.lr=-1"));
        Assert.Contains("'gipo.algorithm.off-policy.max-staleness' = 'two'", Refused("algorithm.off-policy.max-staleness=two"));
        Assert.Contains("minibatches", Refused("algorithm.batch.groups-per-step=2")); // 4 minibatches need B ≥ 4
        Assert.Contains("AucHigh", Refused("algorithm.ib.auc-low=0.9")); // a₀ above a₁ = 0.75
        Assert.Contains("before step 7", Assert.Throws<ArgumentException>(() =>
            LiveSettings.Validate(Base, [], LiveSettings.Parse(["run.steps=6"]), effectiveStep: 7)).Message);

        static void Change(string assignment) => LiveSettings.Validate(Base, [], LiveSettings.Parse([assignment]), effectiveStep: 3);
        static string Refused(string assignment) => Assert.Throws<ArgumentException>(() => Change(assignment)).Message;
    }

    [Fact(DisplayName = "SettingsInForce.At applies the changes effective at or before the step, in journal order")]
    public void Settings_in_force_at_a_step()
    {
        SettingsChanged[] changes =
        [
            new("a", 3, [new(LiveSettings.LearningRate, "5e-5")]),
            new("b", 5, [new(LiveSettings.LearningRate, "2e-5"), new(LiveSettings.MaxStaleness, "0")]),
            new("c", 5, [new(LiveSettings.LearningRate, "1e-5")]),
        ];
        Assert.Equal(1e-4, Lr(2));
        Assert.Equal(5e-5, Lr(3));
        Assert.Equal(5e-5, Lr(4));
        Assert.Equal(1e-5, Lr(5)); // the later change of the same step wins
        Assert.Equal(0, AlgorithmSettingsReader.Read(SettingsInForce.At(Base, changes, 5)).MaxStaleness);
        Assert.Equal(2, AlgorithmSettingsReader.Read(SettingsInForce.At(Base, changes, 4)).MaxStaleness);

        double Lr(long step) => AlgorithmSettingsReader.Read(SettingsInForce.At(Base, changes, step)).LearningRate;
    }

    [Fact(DisplayName = "run.steps changed live moves T_anneal = auto with it, and the scheduler accepts that as a live change")]
    public void Anneal_follows_steps()
    {
        var before = AlgorithmSettingsReader.Read(Base).Scheduler;
        var after = AlgorithmSettingsReader.Read(LiveSettings.Validate(Base, [],
            LiveSettings.Parse(["run.steps=40", "algorithm.gsec.lambda-max=0.2"]), 3)).Scheduler;
        Assert.Equal(15, before.TAnneal);
        Assert.Equal(35, after.TAnneal);
        Assert.True(after.SameStructure(before));
        Assert.False((after with { NCal = 9 }).SameStructure(before));
        var scheduler = EntropyScheduler.Create(before, 3);
        scheduler.Reconfigure(after);
        Assert.Equal(0.2, scheduler.Config.LambdaMax);
        Assert.Throws<ArgumentException>(() => scheduler.Reconfigure(after with { Mode = EntropySchedulerConfig.Gated }));
    }

    [Fact(DisplayName = "The trust gate retuned live keeps its AUROC EMA and opens by the new thresholds")]
    public void Trust_gate_retune()
    {
        var gate = new TrustGate(0.55, 0.75, warmupSteps: 0);
        gate.Observe(1.0); // EMA 0.55
        Assert.Equal(0, gate.Rho(1), 12);
        gate.Retune(0.5, 0.6);
        Assert.Equal(0.5, gate.Rho(1), 12);
        Assert.Throws<ArgumentException>(() => gate.Retune(0.6, 0.6));
    }
}
