namespace Gipo.Cluster.Runtime;

/// <summary>
/// A background thread that forces full, blocking collections and runs pending finalizers back to back, so that an
/// object only kept alive by luck (an implicit <c>TorchSharp.Scalar</c> whose handle a native call is still reading)
/// is finalized within microseconds of becoming unreachable. For the soak (<see cref="NativeSoak"/>), never for runs.
/// </summary>
public sealed class GcPressure : IDisposable
{
    private readonly Thread thread;
    private readonly TimeSpan pause;
    private volatile bool stopping;
    private long forced;

    /// <summary>Starts the thread; <paramref name="pause"/> between collections (zero: a tight loop).</summary>
    public GcPressure(TimeSpan pause)
    {
        if (pause < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(pause), pause, "the pause between collections must be >= 0");
        this.pause = pause;
        thread = new Thread(Loop) { IsBackground = true, Name = "gipo-gc-pressure" };
        thread.Start();
    }

    /// <summary>Collections forced so far (each followed by <see cref="GC.WaitForPendingFinalizers"/>).</summary>
    public long Forced => Interlocked.Read(ref forced);

    private void Loop()
    {
        while (!stopping)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true);
            GC.WaitForPendingFinalizers();
            Interlocked.Increment(ref forced);
            if (pause > TimeSpan.Zero) Thread.Sleep(pause);
        }
    }

    /// <summary>Stops the thread and waits for it.</summary>
    public void Dispose()
    {
        stopping = true;
        thread.Join();
    }
}
