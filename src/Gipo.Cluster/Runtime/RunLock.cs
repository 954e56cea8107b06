namespace Gipo.Cluster.Runtime;

/// <summary>
/// One <c>gipo train</c> process per run folder: an exclusive OS lock on <c>run.lock</c>, held until the process ends
/// (the OS drops it even after a SIGKILL, so a crash never leaves a stale lock). The holder's PID is written to
/// <c>run.pid</c> beside it so that a second process can say who holds the run. Without it two processes on one
/// journal were kept apart only by the journal's unique index, and one of them claimed the run had finished.
/// </summary>
public sealed class RunLock : IDisposable
{
    private readonly FileStream handle;

    private RunLock(FileStream handle) => this.handle = handle;

    /// <summary>The lock file of <paramref name="root"/>.</summary>
    public static string LockFile(string root) => Path.Combine(root, "run.lock");

    /// <summary>The file naming the holder's process id.</summary>
    public static string PidFile(string root) => Path.Combine(root, "run.pid");

    /// <summary>
    /// Takes the lock of run folder <paramref name="root"/> (created if needed), or throws <see cref="IOException"/>
    /// at once naming the process that holds it.
    /// </summary>
    public static RunLock Acquire(string root)
    {
        Directory.CreateDirectory(root);
        FileStream stream;
        try
        {
            // FileShare.None is an exclusive flock(2) on Unix and a share-mode lock on Windows: advisory between Gipo
            // processes, released by the OS when the process dies.
            stream = new FileStream(LockFile(root), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            var holder = File.Exists(PidFile(root)) ? File.ReadAllText(PidFile(root)).Trim() : "unknown";
            throw new IOException($"run folder {root} is in use by another gipo process (PID {holder}); wait for it to end or stop it first", e);
        }
        Gipo.Model.Checkpoints.AtomicFile.WriteText(PidFile(root), Environment.ProcessId + "\n");
        return new RunLock(stream);
    }

    /// <summary>Releases the lock (the process ending does the same).</summary>
    public void Dispose() => handle.Dispose();
}
