using System.Globalization;
using Gipo.Model.Checkpoints;
using Google.Protobuf;
using Tensorboard;

namespace Gipo.Cluster.Metrics;

/// <summary>
/// Writes TensorBoard event files (<c>events.out.tfevents.*</c>) into one folder: TorchSharp's generated
/// <c>Tensorboard.Event</c> protobuf messages in TFRecord framing (<see cref="TfRecordFile"/>), one event per learner step
/// holding all of that step's scalars. TorchSharp's own <c>SummaryWriter</c> is not used: it stores wall times as
/// <c>float</c> (two-minute resolution at today's epoch seconds) and reopens the file for every scalar.
/// <para>
/// Each writer starts a new file whose name sorts after every file already there, so TensorBoard (which reads a
/// folder's files in name order) sees a resumed run's steps after the earlier ones. <see cref="Truncate"/> cuts the
/// folder back to a step, for a resume from a checkpoint, so no file keeps the steps that are trained again.
/// </para>
/// </summary>
public sealed class TensorBoardWriter : IDisposable
{
    /// <summary>The file name prefix TensorBoard looks for.</summary>
    public const string FilePrefix = "events.out.tfevents.";

    private readonly FileStream stream;

    /// <summary>Opens a new event file in <paramref name="directory"/> (created if missing) and writes its header event.</summary>
    public TensorBoardWriter(string directory)
    {
        Directory.CreateDirectory(directory);
        var stamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        foreach (var existing in EventFiles(directory))
            if (StampOf(existing) is { } s && s >= stamp) stamp = s + 1;
        Path = System.IO.Path.Combine(directory, $"{FilePrefix}{stamp:D10}.{Sanitize(Environment.MachineName)}.{Environment.ProcessId}.gipo");
        stream = new FileStream(Path, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
        Write(new Event { WallTime = Now(), FileVersion = "brain.Event:2" });
        stream.Flush();
    }

    /// <summary>The event file this writer appends to.</summary>
    public string Path { get; }

    /// <summary>Appends the scalars of learner step <paramref name="step"/> as one event and flushes it to the file.</summary>
    public void WriteScalars(long step, IReadOnlyList<(string Tag, double Value)> scalars)
    {
        if (scalars.Count == 0) return;
        var summary = new Summary();
        foreach (var (tag, value) in scalars) summary.Value.Add(new Summary.Types.Value { Tag = tag, SimpleValue = (float)value });
        Write(new Event { WallTime = Now(), Step = step, Summary = summary });
        stream.Flush();
    }

    /// <inheritdoc />
    public void Dispose() => stream.Dispose();

    /// <summary>The event files of <paramref name="directory"/> in the order TensorBoard reads them (by name).</summary>
    public static IReadOnlyList<string> EventFiles(string directory) =>
        Directory.Exists(directory)
            ? Directory.GetFiles(directory, FilePrefix + "*").Order(StringComparer.Ordinal).ToList()
            : [];

    /// <summary>
    /// Drops every event after learner step <paramref name="step"/> from the folder's files (each rewritten atomically;
    /// a file left with no scalar event is deleted). Returns how many scalar events remain. A resume calls this before
    /// its writer opens, like the metrics log's cut, so a step trained again is in the files once.
    /// </summary>
    public static int Truncate(string directory, long step)
    {
        var kept = 0;
        foreach (var file in EventFiles(directory))
        {
            var records = TfRecordFile.ReadAll(file);
            var keep = new List<byte[]>();
            var scalarEvents = 0;
            foreach (var record in records)
            {
                Event e;
                try
                {
                    e = Event.Parser.ParseFrom(record);
                }
                catch (InvalidProtocolBufferException ex)
                {
                    throw new InvalidDataException($"{file}: a record is not a TensorBoard event ({ex.Message})", ex);
                }
                if (e.WhatCase == Event.WhatOneofCase.FileVersion) keep.Add(record);
                else if (e.Step <= step)
                {
                    keep.Add(record);
                    scalarEvents++;
                }
            }
            if (scalarEvents == 0) File.Delete(file);
            else if (keep.Count != records.Count) AtomicFile.Write(file, s => { foreach (var r in keep) TfRecordFile.Write(s, r); });
            kept += scalarEvents;
        }
        return kept;
    }

    private void Write(Event e) => TfRecordFile.Write(stream, e.ToByteArray());

    private static double Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;

    private static long? StampOf(string file)
    {
        var rest = System.IO.Path.GetFileName(file)[FilePrefix.Length..];
        var dot = rest.IndexOf('.');
        return long.TryParse(dot < 0 ? rest : rest[..dot], NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : null;
    }

    private static string Sanitize(string host) => new(host.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_').ToArray());
}
