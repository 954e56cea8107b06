using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gipo.Model.Checkpoints;

namespace Gipo.Cluster.Rollouts;

/// <summary>
/// The run's rollout log, <c>runs/&lt;id&gt;/rollouts/</c> (docs/architecture.md, "Rollout log"): gzip-compressed JSONL,
/// one object per line (<see cref="RolloutRecords"/> writes them; each carries <c>"schema"</c>), one file per checkpoint
/// interval named by the interval's first learner step (<c>steps-000011.jsonl.gz</c> holds steps 11…20 when checkpoints
/// are every 10 steps). A step appends one gzip member to its interval's file; gzip readers (<c>zcat</c>, Python's
/// <c>gzip</c>, pandas) read the concatenated members as one stream.
/// <para>
/// Every write builds the whole new file beside the old one and renames it into place (<see cref="AtomicFile"/>), so a
/// kill leaves the file as it was before the step or after it, never half a step. A rollback to a checkpoint
/// (<see cref="Rewind"/>) deletes the intervals after it and cuts lines of later steps, exactly as the metrics log is cut.
/// With a size cap the oldest intervals are deleted first (never the one being written); <c>pruned-before</c> then
/// records the first step still kept, so audits and replays know the older steps were let go on purpose.
/// </para>
/// </summary>
public sealed class RolloutStore
{
    /// <summary>The <c>"schema"</c> of the lines this build writes; readers refuse other versions by name.</summary>
    public const int SchemaVersion = 1;

    private const string Prefix = "steps-";
    private const string Suffix = ".jsonl.gz";
    private const string PrunedFile = "pruned-before";

    /// <summary>A store in <paramref name="directory"/> that keeps at most <paramref name="maxBytes"/> on disk (0: everything).</summary>
    public RolloutStore(string directory, long maxBytes = 0)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        Directory = Path.GetFullPath(directory);
        MaxBytes = maxBytes;
    }

    /// <summary>The store's folder.</summary>
    public string Directory { get; }

    /// <summary>The size cap in bytes; 0 keeps everything.</summary>
    public long MaxBytes { get; }

    /// <summary>The file of the interval that starts at learner step <paramref name="firstStep"/>.</summary>
    public static string FileName(long firstStep) => $"{Prefix}{firstStep.ToString("D6", CultureInfo.InvariantCulture)}{Suffix}";

    /// <summary>Interval files by first step, oldest first.</summary>
    public IReadOnlyList<(long FirstStep, string Path)> Files()
    {
        if (!System.IO.Directory.Exists(Directory)) return [];
        var files = new List<(long, string)>();
        foreach (var path in System.IO.Directory.EnumerateFiles(Directory, Prefix + "*" + Suffix))
        {
            var name = Path.GetFileName(path);
            var digits = name[Prefix.Length..^Suffix.Length];
            if (long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var first)) files.Add((first, path));
        }
        return [.. files.OrderBy(f => f.Item1)];
    }

    /// <summary>The first learner step the size cap kept (1 when nothing was pruned).</summary>
    public long KeptFromStep
    {
        get
        {
            var path = Path.Combine(Directory, PrunedFile);
            if (!File.Exists(path)) return 1;
            var text = File.ReadAllText(path).Trim();
            return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var step)
                ? step
                : throw new InvalidDataException($"{path}: expected the first step kept, found '{text}'");
        }
    }

    /// <summary>
    /// Appends the lines of learner step <paramref name="step"/> to the interval that starts at
    /// <paramref name="intervalStart"/> (the step after the last checkpoint), atomically, then applies the size cap.
    /// </summary>
    public void Append(long intervalStart, long step, IReadOnlyList<JsonObject> lines)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(intervalStart, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(step, intervalStart);
        var member = Compress(lines);
        var path = Path.Combine(Directory, FileName(intervalStart));
        AtomicFile.Write(path, stream =>
        {
            if (File.Exists(path))
            {
                using var old = File.OpenRead(path);
                old.CopyTo(stream);
            }
            stream.Write(member);
        });
        Prune(path);
    }

    /// <summary>
    /// Cuts the log back to learner step <paramref name="step"/> (a checkpoint's, 0 for none): intervals that start
    /// after it are deleted, lines of later steps in the others are removed. Returns the lines removed from kept files.
    /// </summary>
    public int Rewind(long step)
    {
        var removed = 0;
        foreach (var (first, path) in Files())
        {
            if (first > step)
            {
                File.Delete(path);
                continue;
            }
            var lines = ReadFile(path).ToList();
            var kept = lines.Where(l => l.Line["step"]!.GetValue<long>() <= step).Select(l => l.Line).ToList();
            if (kept.Count == lines.Count) continue;
            removed += lines.Count - kept.Count;
            var member = Compress(kept);
            AtomicFile.Write(path, s => s.Write(member));
        }
        return removed;
    }

    /// <summary>Every line of the log, oldest first, with the file and line number it came from.</summary>
    /// <exception cref="InvalidDataException">A line is not a JSON object of this schema (the message names file and line).</exception>
    public IEnumerable<(JsonObject Line, string File, int LineNumber)> Read()
    {
        foreach (var (_, path) in Files())
            foreach (var line in ReadFile(path)) yield return line;
    }

    private static IEnumerable<(JsonObject Line, string File, int LineNumber)> ReadFile(string path)
    {
        using var file = File.OpenRead(path);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8);
        var number = 0;
        string? text;
        while (true)
        {
            try
            {
                text = reader.ReadLine();
            }
            catch (InvalidDataException e)
            {
                throw new InvalidDataException($"{path}: not a readable gzip file after line {number} ({e.Message})", e);
            }
            if (text is null) yield break;
            number++;
            if (text.Length == 0) continue;
            JsonObject line;
            try
            {
                line = JsonNode.Parse(text) as JsonObject ?? throw new JsonException("not a JSON object");
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}, line {number}: {e.Message}", e);
            }
            var schema = line["schema"] is JsonValue v && v.TryGetValue<int>(out var s) ? s : -1;
            if (schema != SchemaVersion)
                throw new InvalidDataException($"{path}, line {number}: schema {schema}, this build reads schema {SchemaVersion}");
            if (line["step"] is not JsonValue sv || !sv.TryGetValue<long>(out _))
                throw new InvalidDataException($"{path}, line {number}: no integer 'step'");
            yield return (line, path, number);
        }
    }

    private static byte[] Compress(IReadOnlyList<JsonObject> lines)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true))
        using (var writer = new StreamWriter(gzip, new UTF8Encoding(false)))
        {
            foreach (var line in lines)
            {
                writer.Write(line.ToJsonString());
                writer.Write('\n');
            }
        }
        return buffer.ToArray();
    }

    /// <summary>Deletes the oldest intervals while the log is over the cap; <paramref name="current"/> always stays.</summary>
    private void Prune(string current)
    {
        if (MaxBytes == 0) return;
        var files = Files();
        var total = files.Sum(f => new FileInfo(f.Path).Length);
        long? keptFrom = null;
        foreach (var (_, path) in files)
        {
            if (total <= MaxBytes || path == current) break;
            total -= new FileInfo(path).Length;
            File.Delete(path);
            keptFrom = Files().FirstOrDefault().FirstStep;
        }
        if (keptFrom is { } k) AtomicFile.WriteText(Path.Combine(Directory, PrunedFile), k.ToString(CultureInfo.InvariantCulture) + "\n");
    }
}
