namespace Gipo.Bench.Soak;

/// <summary>
/// A background thread that forces blocking collections and runs pending finalizers back to back, so that an object
/// only kept alive by luck (an implicit <c>TorchSharp.Scalar</c> whose handle a native call is still reading) is
/// finalized within microseconds of becoming unreachable. Generation 0 by default: such a temporary is always young,
/// and full collections back to back (tried first) stall a 2-core machine so much that journal recovery and the
/// learner's start time out. For the soak (<see cref="NativeSoak"/>), never for runs.
/// </summary>
public sealed class GcPressure : IDisposable
{
    private readonly Thread thread;
    private readonly TimeSpan pause;
    private readonly int generation;
    private volatile bool stopping;
    private long forced;

    /// <summary>
    /// Starts the thread: collections of generations 0 to <paramref name="generation"/>, <paramref name="pause"/> apart
    /// (zero: a tight loop).
    /// </summary>
    public GcPressure(TimeSpan pause, int generation = 0)
    {
        if (pause < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(pause), pause, "the pause between collections must be >= 0");
        if (generation < 0 || generation > GC.MaxGeneration)
            throw new ArgumentOutOfRangeException(nameof(generation), generation, $"the generation must be 0 to {GC.MaxGeneration}");
        this.pause = pause;
        this.generation = generation;
        thread = new Thread(Loop) { IsBackground = true, Name = "gipo-gc-pressure" };
        thread.Start();
    }

    /// <summary>Collections forced so far (each followed by <see cref="GC.WaitForPendingFinalizers"/>).</summary>
    public long Forced => Interlocked.Read(ref forced);

    private void Loop()
    {
        while (!stopping)
        {
            GC.Collect(generation, GCCollectionMode.Forced, blocking: true);
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
