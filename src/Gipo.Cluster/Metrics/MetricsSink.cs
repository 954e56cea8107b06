using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Event;
using Gipo.Model.Checkpoints;

namespace Gipo.Cluster.Metrics;

/// <summary>
/// Where a run's metrics go (docs/architecture.md, "Actors"): the learner's per-step lines, enriched with the samplers'
/// throughput, are appended to <c>metrics.jsonl</c> (one JSON object per line, flushed each time); console progress
/// gets every line; PNG plots are rendered at each evaluation and on <see cref="FlushMetrics"/>. The same scalars go to
/// TensorBoard event files (<see cref="TensorBoardWriter"/>, tags by <see cref="TensorBoardTags"/>) when a folder is given.
/// On resume the log and the event files are cut back to the checkpoint's step (atomically), so a resumed run's log has
/// each step once.
/// <para>
/// Throughput counters (<c>samples_generated</c>, <c>tokens_generated</c>, <c>run_seconds</c>) are the run's, not this
/// actor's: a sink started by a resume or a fail-over takes them from the last line the rewind keeps and counts on
/// from there, so <c>samples_per_second</c> (their running ratio) is not reset to zero by a new learner node.
/// <c>samples_per_second_recent</c> is the rate since the previous line (about one learner step).
/// </para>
/// </summary>
public sealed class MetricsSink : ReceiveActor
{
    private readonly ILoggingAdapter log = Context.GetLogger();
    private readonly string path;
    private readonly string plotDir;
    private readonly Action<ProgressReport>? progress;
    private readonly string? tensorBoardDir;
    private TensorBoardWriter? tensorBoard;
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private StreamWriter? writer;
    private long generatedSamples;
    private long generatedTokens;
    private double samplerBusySeconds;

    // The run's counters when this sink's own counting began (0 for a new run, the kept log's last line after a rewind).
    private RunThroughput start = RunThroughput.Zero;

    // The run's counters at the previous line: the recent rate is measured from there.
    private RunThroughput previous = RunThroughput.Zero;
    private readonly HashSet<string> samplers = new(StringComparer.Ordinal);

    /// <summary>Use <see cref="Props"/>.</summary>
    public MetricsSink(string metricsFile, string plotDir, Action<ProgressReport>? progress, string? tensorBoardDir)
    {
        path = metricsFile;
        this.plotDir = plotDir;
        this.progress = progress;
        this.tensorBoardDir = tensorBoardDir;
        Receive<MetricsLine>(OnLine);
        Receive<SamplerProgress>(m =>
        {
            samplers.Add(m.Sampler);
            generatedSamples += m.Samples;
            generatedTokens += m.Tokens;
            samplerBusySeconds += m.BusySeconds;
        });
        Receive<RewindMetrics>(m => Sender.Tell(new MetricsRewound(m.Step, Rewind(m.Step))));
        Receive<FlushMetrics>(_ => Sender.Tell(new MetricsFlushed(Plot())));
    }

    /// <summary>Props of the sink writing <paramref name="metricsFile"/>, plots into <paramref name="plotDir"/> and, unless
    /// <paramref name="tensorBoardDir"/> is null, TensorBoard event files into that folder.</summary>
    public static Props Props(string metricsFile, string plotDir, Action<ProgressReport>? progress = null, string? tensorBoardDir = null) =>
        Akka.Actor.Props.Create(() => new MetricsSink(metricsFile, plotDir, progress, tensorBoardDir));

    /// <inheritdoc />
    protected override void PostStop()
    {
        writer?.Dispose();
        tensorBoard?.Dispose();
    }

    private void OnLine(MetricsLine m)
    {
        var line = MetricsLineJson.ToJsonObject(m);
        var seconds = clock.Elapsed.TotalSeconds;
        var now = new RunThroughput(start.Samples + generatedSamples, start.Tokens + generatedTokens, start.Seconds + seconds);
        now.WriteTo(line, previous);
        previous = now;
        line["sampler_busy_fraction"] = seconds > 0 && samplers.Count > 0 ? Math.Round(samplerBusySeconds / (seconds * samplers.Count), 4) : null;
        writer ??= new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read));
        writer.WriteLine(line.ToJsonString());
        writer.Flush();
        WriteTensorBoard(m.Step, line);
        var evaluation = line["eval_pass_at_1"] is not null;
        progress?.Invoke(new ProgressReport(m.Step, line, evaluation));
        if (evaluation) Plot();
    }

    private void WriteTensorBoard(long step, JsonObject line)
    {
        if (tensorBoardDir is null) return;
        try
        {
            tensorBoard ??= new TensorBoardWriter(tensorBoardDir);
            tensorBoard.WriteScalars(step, TensorBoardTags.Scalars(line));
        }
        catch (IOException e)
        {
            // metrics.jsonl has the line; a full disk or a removed folder must not stop the run over a viewer's copy.
            log.Warning("TensorBoard event of step {0} not written: {1}", step, e.Message);
        }
    }

    private int Rewind(long step)
    {
        writer?.Dispose();
        writer = null;
        if (tensorBoardDir is not null)
        {
            tensorBoard?.Dispose();
            tensorBoard = null;
            try
            {
                var events = TensorBoardWriter.Truncate(tensorBoardDir, step);
                log.Info("TensorBoard events rewound to step {0} ({1} events kept)", step, events);
            }
            catch (Exception e) when (e is IOException or InvalidDataException)
            {
                log.Warning("TensorBoard events not rewound to step {0}: {1}", step, e.Message);
            }
        }
        // Count on from the kept log's last line; what this sink counted before the rewind belongs to dropped lines.
        generatedSamples = generatedTokens = 0;
        samplerBusySeconds = 0;
        samplers.Clear();
        clock.Restart();
        start = previous = RunThroughput.Zero;
        if (!File.Exists(path)) return 0;
        var kept = new List<string>();
        foreach (var text in File.ReadLines(path))
        {
            try
            {
                if (JsonNode.Parse(text) is JsonObject o && o["step"]?.GetValue<long>() is { } s && s <= step)
                {
                    kept.Add(text);
                    start = previous = RunThroughput.Of(o);
                }
            }
            catch (JsonException)
            {
                // A line cut by a kill: not a step of the run.
            }
        }
        AtomicFile.WriteText(path, kept.Count == 0 ? "" : string.Join('\n', kept) + "\n");
        log.Info("metrics log rewound to step {0} ({1} lines kept)", step, kept.Count);
        return kept.Count;
    }

    private IReadOnlyList<string> Plot()
    {
        writer?.Flush();
        if (!File.Exists(path)) return [];
        try
        {
            return MetricsPlots.RenderTrain(path, plotDir);
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            log.Warning("plots not rendered: {0}", e.Message);
            return [];
        }
    }
}
