using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;

namespace Gipo.Bench.Soak;

/// <summary>
/// Counts the libtorch errors raised anywhere in this process while it lives, caught or not: TorchSharp turns a
/// native error into an <see cref="ExternalException"/>, which supervision then recovers from (a restart and a
/// rollback), so the run alone would hide them. Counted as first-chance exceptions, i.e. at every throw: a rethrow of the
/// same error counts again, so a nonzero count is an upper bound on distinct failures (zero is exact).
/// </summary>
public sealed class NativeErrorCounter : IDisposable
{
    private long native;
    private long scalar;
    private string? first;

    /// <summary>Subscribes to <see cref="AppDomain.FirstChanceException"/>.</summary>
    public NativeErrorCounter() => AppDomain.CurrentDomain.FirstChanceException += OnException;

    /// <summary>Native (libtorch) errors seen.</summary>
    public long Native => Interlocked.Read(ref native);

    /// <summary>Of <see cref="Native"/>, those of a Scalar freed mid-call ("Unknown scalar type", c10 Scalar.h).</summary>
    public long Scalar => Interlocked.Read(ref scalar);

    /// <summary>The first native error's message (first line), or null.</summary>
    public string? First => Volatile.Read(ref first);

    /// <summary>Whether <paramref name="e"/> is a libtorch error reported through TorchSharp.</summary>
    public static bool IsNative(Exception e) => e is ExternalException && e.GetType() == typeof(ExternalException);

    /// <summary>Whether a native error's message is the lifetime bug's: a Scalar whose tag or payload was freed.</summary>
    public static bool IsScalarLifetime(string message) =>
        message.Contains("Unknown scalar type", StringComparison.Ordinal) || message.Contains("Scalar.h", StringComparison.Ordinal);

    private void OnException(object? sender, FirstChanceExceptionEventArgs args)
    {
        if (!IsNative(args.Exception)) return;
        Interlocked.Increment(ref native);
        var message = args.Exception.Message;
        if (IsScalarLifetime(message)) Interlocked.Increment(ref scalar);
        Interlocked.CompareExchange(ref first, message.Split('\n', 2)[0], null);
    }

    /// <summary>Unsubscribes.</summary>
    public void Dispose() => AppDomain.CurrentDomain.FirstChanceException -= OnException;
}
