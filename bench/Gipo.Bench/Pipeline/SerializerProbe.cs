using System.Collections.Concurrent;

namespace Gipo.Bench.Pipeline;

/// <summary>
/// An opt-in record of every call of the <see cref="TimedGipoSerializer"/>, for <c>gipo-bench pipeline</c>. Off unless
/// <see cref="Start"/> was called: the decorator then pays one static read.
/// </summary>
public sealed class SerializerProbe : IDisposable
{
    private static readonly Lock Gate = new();
    private static volatile SerializerProbe? active;
    private readonly ConcurrentQueue<SerializerCall> calls = new();

    private SerializerProbe()
    {
    }

    /// <summary>The probe that records now, if any (one per process).</summary>
    internal static SerializerProbe? Active => active;

    /// <summary>Starts recording; dispose to stop.</summary>
    /// <exception cref="InvalidOperationException">Another probe records already.</exception>
    public static SerializerProbe Start()
    {
        var probe = new SerializerProbe();
        lock (Gate)
        {
            if (active is not null) throw new InvalidOperationException("a serializer probe is already recording");
            active = probe;
        }
        return probe;
    }

    /// <summary>Every call so far, in no particular order.</summary>
    public IReadOnlyList<SerializerCall> Calls => [.. calls];

    internal void Record(long start, long end, Type type, int bytes, bool encode) =>
        calls.Enqueue(new SerializerCall(start, end, type, bytes, encode));

    /// <inheritdoc />
    public void Dispose()
    {
        lock (Gate)
        {
            if (ReferenceEquals(active, this)) active = null;
        }
    }
}
