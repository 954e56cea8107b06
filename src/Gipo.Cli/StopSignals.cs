using System.Runtime.InteropServices;

namespace Gipo.Cli;

/// <summary>
/// SIGTERM (docker stop, a Kubernetes rolling update) and Ctrl+C as a request to stop, for the commands that end a run
/// in order themselves (<c>gipo train</c>, <c>gipo node</c>): the first signal cancels <see cref="Token"/> and is kept by
/// name, and the process is not ended by the runtime. Disposing gives both signals back to the runtime's defaults.
/// </summary>
internal sealed class StopSignals : IDisposable
{
    // Never disposed: a second signal may arrive while the node shuts down, and must find it still usable.
    private readonly CancellationTokenSource cancel = new();
    private readonly PosixSignalRegistration term;
    private readonly PosixSignalRegistration interrupt;
    private string? signal;

    /// <summary>Handles both signals from now until <see cref="Dispose"/>.</summary>
    public StopSignals()
    {
        term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => Stop(c, "SIGTERM"));
        interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => Stop(c, "Ctrl+C"));
    }

    /// <summary>Cancelled by the first signal.</summary>
    public CancellationToken Token => cancel.Token;

    /// <summary>The first signal's name (<c>SIGTERM</c>, <c>Ctrl+C</c>), or null while none has arrived.</summary>
    public string? Signal => Volatile.Read(ref signal);

    private void Stop(PosixSignalContext context, string name)
    {
        context.Cancel = true;
        Interlocked.CompareExchange(ref signal, name, null);
        cancel.Cancel();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        term.Dispose();
        interrupt.Dispose();
    }
}
