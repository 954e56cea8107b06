using System.Runtime.InteropServices;
using Gipo.Bench.Soak;
using Gipo.Model.Native;
using static TorchSharp.torch;

namespace Gipo.Bench.Tests.Soak;

/// <summary>The soak's parts that can be checked in seconds: its error counter, its GC pressure and its settings.</summary>
public sealed class NativeSoakTests
{
    [Fact]
    public void A_libtorch_error_is_counted_even_when_caught()
    {
        NativeTorch.EnsureLoaded();
        using var counter = new NativeErrorCounter();
        // A real libtorch failure, caught as supervision would catch it.
        var thrown = Assert.ThrowsAny<ExternalException>(() =>
        {
            using var t = zeros(2);
            using var _ = t.view(3);
        });
        Assert.True(NativeErrorCounter.IsNative(thrown));
        Assert.True(counter.Native >= 1, $"counted {counter.Native}");
        Assert.Equal(0, counter.Scalar);
        Assert.NotNull(counter.First);
    }

    [Fact]
    public void The_freed_scalar_error_is_told_apart_and_other_exceptions_are_not_counted()
    {
        using var counter = new NativeErrorCounter();
        try { throw new ExternalException("Unknown scalar type\nException raised from ... at c10/core/Scalar.h:123"); }
        catch (ExternalException) { }
        try { throw new InvalidOperationException("Unknown scalar type"); }
        catch (InvalidOperationException) { }
        Assert.Equal(1, counter.Native);
        Assert.Equal(1, counter.Scalar);
        Assert.Equal("Unknown scalar type", counter.First);
        Assert.True(NativeErrorCounter.IsScalarLifetime("INTERNAL ASSERT FAILED at \"c10/core/Scalar.h\":91"));
        Assert.False(NativeErrorCounter.IsScalarLifetime("shape '[3]' is invalid for input of size 2"));
    }

    [Fact]
    public void Gc_pressure_forces_collections_and_runs_finalizers_until_disposed()
    {
        var finalized = new ManualResetEventSlim();
        long forced;
        using (var pressure = new GcPressure(TimeSpan.Zero))
        {
            Abandon(finalized);
            Assert.True(finalized.Wait(TimeSpan.FromSeconds(30)), "an unreachable object was not finalized under pressure");
            Assert.True(SpinWait.SpinUntil(() => pressure.Forced >= 3, TimeSpan.FromSeconds(30)), $"forced {pressure.Forced}");
            pressure.Dispose();
            forced = pressure.Forced;
        }
        Thread.Sleep(50);
        Assert.True(forced >= 3);
        Assert.Throws<ArgumentOutOfRangeException>(() => new GcPressure(TimeSpan.FromMilliseconds(-1)));
    }

    [Fact]
    public void Every_run_gets_the_soaks_steps_and_base_and_bad_options_are_refused_before_anything_runs()
    {
        var o = new NativeSoakOptions("/no/such/base", Preset: null, OutRoot: Path.GetTempPath(), TimeSpan.FromMinutes(1), StepsPerRun: 3);
        var run = NativeSoak.Settings(o).Section("run");
        Assert.Equal(3, run.Int("steps"));
        Assert.Equal(3, run.Int("checkpoint-every"));
        Assert.Equal("/no/such/base", run.String("base-checkpoint"));
        Assert.Equal(0, run.Int("eval-every"));
        var zeroSteps = Assert.Throws<ArgumentException>(() => NativeSoak.RunAsync(o with { StepsPerRun = 0 }).GetAwaiter().GetResult());
        Assert.Contains("steps per run", zeroSteps.Message);
        Assert.Throws<ArgumentException>(() => NativeSoak.RunAsync(o with { Duration = TimeSpan.Zero }).GetAwaiter().GetResult());
    }

    // Not inlined, so no local in the test keeps the object reachable.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void Abandon(ManualResetEventSlim finalized) => _ = new FinalizeSignal(finalized);

    private sealed class FinalizeSignal(ManualResetEventSlim finalized)
    {
        ~FinalizeSignal() => finalized.Set();
    }
}
