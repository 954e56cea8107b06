using System.Text.Json;
using Gipo.Core.Algorithm.InformationBottleneck;

namespace Gipo.Core.Tests.Algorithm.InformationBottleneck;

public class TrustGateTests
{
    [Fact]
    public void Ema_starts_at_chance_and_moves_a_tenth_of_the_way()
    {
        var gate = new TrustGate();
        Assert.Equal(0.5, gate.AucEma);

        gate.Observe(1.0);
        Assert.Equal(0.55, gate.AucEma, 12);
        gate.Observe(0.0);
        Assert.Equal(0.495, gate.AucEma, 12);
        Assert.Equal(2, gate.Observations);
    }

    [Fact]
    public void An_undefined_batch_auroc_leaves_the_ema_alone()
    {
        var gate = new TrustGate();
        gate.Observe(null);
        Assert.Equal(0.5, gate.AucEma);
        Assert.Equal(0, gate.Observations);
    }

    [Fact]
    public void Gate_is_shut_at_step_zero_whatever_the_auroc()
    {
        var gate = new TrustGate();
        for (var i = 0; i < 100; i++) gate.Observe(1.0);
        Assert.True(gate.AucEma > 0.99);
        Assert.Equal(0.0, gate.Rho(0));
    }

    [Fact]
    public void Gate_stays_shut_until_the_ema_exceeds_a0_even_after_warm_up()
    {
        var gate = new TrustGate(aucLow: 0.55, aucHigh: 0.75, warmupSteps: 20);
        // A probe ranking at 0.55 exactly pulls the EMA up to, never past, a0.
        for (var t = 0; t < 200; t++)
        {
            gate.Observe(0.55);
            Assert.Equal(0.0, gate.Rho(t));
        }
        Assert.Equal(0.0, gate.Rho(1000));
    }

    [Fact]
    public void Gate_ramps_linearly_over_warm_up_and_clips_at_one()
    {
        var gate = new TrustGate(aucLow: 0.55, aucHigh: 0.75, warmupSteps: 20);
        gate.Restore(new TrustGateState(0.65, 10)); // halfway between a0 and a1

        Assert.Equal(0.25, gate.Rho(10), 12);
        Assert.Equal(0.5, gate.Rho(20), 12);
        Assert.Equal(0.5, gate.Rho(400), 12);

        gate.Restore(new TrustGateState(0.9, 10));
        Assert.Equal(1.0, gate.Rho(25));
    }

    [Fact]
    public void Without_warm_up_the_gate_depends_on_the_ema_only()
    {
        var gate = new TrustGate(warmupSteps: 0);
        gate.Restore(new TrustGateState(0.75, 1));
        Assert.Equal(1.0, gate.Rho(0), 12);
    }

    [Fact]
    public void State_round_trips_through_json()
    {
        var gate = new TrustGate();
        gate.Observe(0.83);
        gate.Observe(0.71);

        var json = JsonSerializer.Serialize(gate.State);
        var restored = new TrustGate();
        restored.Restore(JsonSerializer.Deserialize<TrustGateState>(json)!);

        Assert.Equal(gate.AucEma, restored.AucEma);
        Assert.Equal(gate.Observations, restored.Observations);
        Assert.Equal(gate.Rho(7), restored.Rho(7));
    }

    [Fact]
    public void Takes_its_settings_from_the_config()
    {
        var gate = new TrustGate(TestConfigs.Ib with { AucLow = 0.6, AucHigh = 0.7, WarmupSteps = 0 });
        gate.Restore(new TrustGateState(0.65, 1));
        Assert.Equal(0.5, gate.Rho(0), 12);
    }
}
