using System.Diagnostics;
using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Configuration;
using Gipo.Cluster;
using Gipo.Cluster.Configuration;
using Gipo.Cluster.Coordination;
using Gipo.Cluster.Metrics;
using Gipo.Cluster.Runtime;
using Gipo.Cluster.Serialization;

namespace Gipo.Bench.Pipeline;

/// <summary>
/// <c>gipo-bench pipeline</c>: the same training run (same preset, base checkpoint, samplers and settings) with
/// max-staleness η = 0 (synchronous) and η = 2 (asynchronous), one after the other in this process, each in its own
/// run folder, with the whole actor system of <see cref="TrainingNode"/>. Each run is measured over a window that
/// excludes start-up, the step-0 evaluation and the final evaluation: from the moment step 1's metrics line is
/// written to the moment step N − 1's is (N = run.steps). In that window it reports end-to-end trajectories/s, the
/// learner's idle fraction, and the messaging and serialization time: every mailbox enqueue is recorded by a
/// <see cref="MessageTap"/> and every <see cref="GipoSerializer"/> call by a <see cref="SerializerProbe"/> (through the
/// <see cref="TimedGipoSerializer"/> that the bench's node registers in its place); after the
/// run the recorded Gipo messages are encoded and decoded again to time the codec, and hops are priced by a ping-pong
/// microbenchmark in the same process.
/// </summary>
public static class PipelineBenchmark
{
    /// <summary>
    /// Settings the bench puts under the user's <c>--set</c> keys, the same for every η: no periodic evaluation and the
    /// smallest evaluations at step 0 and at the end (both outside the window; the checkpoint is only the final one),
    /// and one intra-op torch thread, which was the faster setting on 2 cores for the synchronous run as well as the
    /// asynchronous one (docs/benchmarks.md). Unless <c>--set run.groups-per-lease</c> is given, the bench also sets it
    /// to the batch's groups-per-step B: a sampler then generates a whole step's groups in one batched decode, the
    /// strongest setting for the synchronous run.
    /// </summary>
    public static IReadOnlyList<string> BenchDefaults { get; } =
        ["run.eval-every=0", "run.eval-prompts=1", "run.eval-samples=1", "run.torch-threads=1"];

    // Learner requests sent with Ask: each has one reply that completes a promise instead of entering a mailbox.
    private static readonly HashSet<Type> AskRequests =
        [typeof(StepCompleted), typeof(CommitCheckpoint), typeof(GetStatus), typeof(RollbackToCheckpoint), typeof(RewindMetrics),
         typeof(FlushMetrics)];

    /// <summary>Keys the bench sets itself (options of the command), refused in <c>--set</c>.</summary>
    private static readonly string[] OwnKeys =
        ["algorithm.off-policy.max-staleness", "run.steps", "run.samplers", "run.base-checkpoint", "run.checkpoint-every"];

    /// <summary>Runs the benchmark; <paramref name="log"/> gets progress lines.</summary>
    public static async Task<PipelineBenchmarkResult> RunAsync(PipelineBenchmarkOptions o, Action<string>? log = null,
                                                               CancellationToken cancel = default)
    {
        if (o.Steps < 3) throw new ArgumentException($"--steps must be >= 3 (got {o.Steps}): the window runs from step 1's line to step N - 1's");
        var overrides = o.Overrides ?? [];
        foreach (var set in overrides)
        {
            var key = Key(set);
            if (OwnKeys.Contains(key)) throw new ArgumentException($"--set {set}: the bench sets '{key}' itself (use --steps, --samplers, --base)");
        }
        foreach (var eta in o.EtaList)
        {
            var folder = Path.Combine(o.OutRoot, $"eta{eta}");
            if (Directory.Exists(folder)) throw new ArgumentException($"'{folder}' exists already: give --out a folder without eta*/ run folders");
            Settings(o, eta); // every settings error before anything runs
        }

        log?.Invoke("measuring the mailbox hop cost (ping-pong)...");
        var hop = await MeasureHopAsync();
        log?.Invoke($"mailbox hop: {hop.DefaultSeconds * 1e6:F1} µs (default dispatcher), {hop.PinnedSeconds * 1e6:F1} µs (pinned dispatcher)");
        var runs = new List<PipelineRunResult>();
        foreach (var eta in o.EtaList)
        {
            cancel.ThrowIfCancellationRequested();
            runs.Add(await RunOneAsync(o, eta, hop, log, cancel));
        }
        return new PipelineBenchmarkResult(hop, runs, SharedOverrides(o));
    }

    /// <summary>Every override of the runs but η: the bench's defaults, the user's <c>--set</c> keys, and the command's options.</summary>
    public static IReadOnlyList<string> SharedOverrides(PipelineBenchmarkOptions o)
    {
        var user = o.Overrides ?? [];
        List<string> shared = [.. BenchDefaults];
        if (!user.Any(set => Key(set) == "run.groups-per-lease"))
        {
            var b = AlgorithmSettingsReader.Read(GipoSettings.Load(o.Preset, [.. BenchDefaults, .. user])).GroupsPerStep;
            shared.Add($"run.groups-per-lease={b}");
        }
        return [.. shared, .. user, $"run.steps={o.Steps}", $"run.samplers={o.Samplers}", $"run.checkpoint-every={o.Steps}"];
    }

    /// <summary>The settings of the run at <paramref name="eta"/>.</summary>
    public static GipoSettings Settings(PipelineBenchmarkOptions o, int eta) => GipoSettings.Load(o.Preset,
        [.. SharedOverrides(o), $"run.base-checkpoint={o.BaseCheckpoint}", $"algorithm.off-policy.max-staleness={eta}"]);

    private static string Key(string set)
    {
        var key = set.Split('=', 2)[0].Trim();
        return key.StartsWith("gipo.", StringComparison.Ordinal) ? key["gipo.".Length..] : key;
    }

    private sealed record StepLine(long Timestamp, JsonObject Line, TimeSpan OwnCpu, long? MachineBusyTicks);

    private static async Task<PipelineRunResult> RunOneAsync(PipelineBenchmarkOptions o, int eta, MailboxHopCost hop, Action<string>? log,
                                                             CancellationToken cancel)
    {
        var settings = Settings(o, eta);
        var algorithm = AlgorithmSettingsReader.Read(settings);
        var folder = new RunFolder(Path.Combine(o.OutRoot, $"eta{eta}"));
        folder.WriteConfig(settings);
        var lines = new Dictionary<long, StepLine>();
        var load = LoadAverage();
        log?.Invoke($"η = {eta}: {o.Steps} steps, {algorithm.GroupsPerStep}×{algorithm.GroupSize} per step, {o.Samplers} sampler(s), " +
                    $"load average {load:F2}, in {folder.Root}");
        var clock = Stopwatch.StartNew();
        RunOutcome outcome;
        List<TappedMessage> tapped;
        List<SerializerCall> calls;
        using (var tap = MessageTap.Start())
        using (var probe = SerializerProbe.Start())
        {
            var options = new NodeOptions(ExtraConfig: MessageTap.MailboxConfig.WithFallback(TimedGipoSerializer.Config), Progress: p =>
            {
                var now = Stopwatch.GetTimestamp();
                var line = new StepLine(now, p.Line, Process.GetCurrentProcess().TotalProcessorTime, MachineBusyTicks());
                lock (lines) lines[p.Step] = line;
                log?.Invoke($"η = {eta}: step {p.Step} at {clock.Elapsed.TotalSeconds:F1} s");
            });
            var node = await TrainingNode.StartAsync(folder, settings, o.BaseCheckpoint, options);
            outcome = await node.RunAsync(cancel);
            tapped = [.. tap.Messages];
            calls = [.. probe.Calls];
        }
        var total = clock.Elapsed.TotalSeconds;
        if (!outcome.Finished) throw new InvalidOperationException($"the η = {eta} run failed: {outcome.Error}");

        var n = o.Steps;
        StepLine Line(long step) => lines.TryGetValue(step, out var l) ? l
            : throw new InvalidDataException($"the η = {eta} run logged no line for step {step}");
        var (first, last) = (Line(1), Line(n - 1));
        var inWindow = Enumerable.Range(2, n - 2).Select(s => Line(s).Line).ToList();
        double Sum(string key) => inWindow.Sum(l => Number(l, key) ?? 0);
        long Delta(string key) => (long)((Number(last.Line, key) ?? 0) - (Number(first.Line, key) ?? 0));
        var window = (last.Timestamp - first.Timestamp) / (double)Stopwatch.Frequency;
        var wait = Sum("learner_wait_seconds");
        var compute = Sum("learner_seconds");
        var stepSeconds = Sum("seconds");
        var messaging = Messaging(tapped.Where(m => m.Timestamp >= first.Timestamp && m.Timestamp <= last.Timestamp),
            calls.Where(c => c.Start >= first.Timestamp && c.End <= last.Timestamp), hop);
        return new PipelineRunResult(
            eta, n, n - 2, window, total, Delta("samples_total"), Delta("groups_consumed") * algorithm.GroupSize, Delta("samples_generated"),
            Delta("tokens_generated"), wait, compute, Math.Max(0, stepSeconds - wait - compute),
            inWindow.Average(l => Number(l, "staleness_mean") ?? 0), inWindow.Max(l => Number(l, "staleness_max") ?? 0),
            outcome.EvalPassAt1, load, OtherCpu(first, last, window),
            (last.OwnCpu - first.OwnCpu).TotalSeconds / (window * Environment.ProcessorCount),
            messaging, folder.Root);
    }

    // Lines parsed from the learner's JSON hold JsonElements; the sink adds its counts as CLR longs and doubles.
    private static double? Number(JsonObject line, string key) =>
        line[key] is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number
            ? double.Parse(v.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture)
            : null;

    /// <summary>Counts and prices the window's messages.</summary>
    private static MessagingReport Messaging(IEnumerable<TappedMessage> tapped, IEnumerable<SerializerCall> calls, MailboxHopCost hop)
    {
        var enqueues = tapped.ToList();
        var byType = enqueues.GroupBy(m => m.Type).ToList();
        var distinct = enqueues.Where(m => m.Message is not null).Select(m => m.Message!).Distinct(ReferenceEqualityComparer.Instance)
            .Cast<IGipoMessage>().ToList();
        var codec = TimeCodec(distinct);
        var askReplies = distinct.Count(m => AskRequests.Contains(m.GetType()));
        var small = codec.Values.Where(c => c.Bytes < 4096).Select(c => c.Seconds).Order().ToList();
        var replySeconds = askReplies * (small.Count > 0 ? small[small.Count / 2] : 0);

        var types = byType.Select(g =>
        {
            var objects = g.Where(m => m.Message is not null).Select(m => (object)m.Message!).Distinct(ReferenceEqualityComparer.Instance).ToList();
            var gipo = typeof(IGipoMessage).IsAssignableFrom(g.Key);
            long bytes = 0;
            double seconds = 0;
            foreach (var m in objects)
            {
                if (!codec.TryGetValue(m, out var c)) continue;
                bytes += c.Bytes;
                seconds += c.Seconds;
            }
            return new MessageTypeCount(TypeName(g.Key), gipo, g.LongCount(), gipo ? objects.Count : g.LongCount(), bytes, seconds);
        }).OrderByDescending(t => t.Gipo).ThenByDescending(t => t.Enqueued).ToList();

        var persisted = calls.ToList();
        return new MessagingReport(
            enqueues.Count, enqueues.LongCount(m => m.Message is not null), distinct.Count, askReplies,
            (enqueues.Count + askReplies) * hop.PerHopSeconds,
            codec.Values.Sum(c => (long)c.Bytes), codec.Values.Sum(c => c.Seconds) + replySeconds,
            persisted.Count, persisted.Sum(c => (long)c.Bytes), persisted.Sum(c => c.Seconds), types);
    }

    private readonly record struct CodecCost(int Bytes, double Seconds);

    /// <summary>
    /// Encode + decode time of each message: the mean of five passes after one warm-up per type. The mean, not the
    /// fastest pass: a weights message allocates megabytes, and the gen-2 collections that this sometimes triggers are
    /// paid by a real send as well.
    /// </summary>
    private static Dictionary<object, CodecCost> TimeCodec(IReadOnlyList<IGipoMessage> messages)
    {
        const int passes = 5;
        var costs = new Dictionary<object, CodecCost>(ReferenceEqualityComparer.Instance);
        var withCodec = messages.Where(m => GipoCodecs.Handles(m.GetType())).ToList();
        foreach (var first in withCodec.GroupBy(m => m.GetType()).Select(g => g.First()))
            GipoCodecs.Decode(GipoCodecs.Encode(first), GipoCodecs.ManifestOf(first));
        for (var pass = 0; pass < passes; pass++)
        {
            foreach (var m in withCodec)
            {
                var manifest = GipoCodecs.ManifestOf(m);
                var start = Stopwatch.GetTimestamp();
                var bytes = GipoCodecs.Encode(m);
                GipoCodecs.Decode(bytes, manifest);
                var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds / passes;
                costs[m] = costs.TryGetValue(m, out var c) ? c with { Seconds = c.Seconds + seconds } : new CodecCost(bytes.Length, seconds);
            }
        }
        return costs;
    }

    private static string TypeName(Type t)
    {
        if (!t.IsGenericType) return t.Name;
        var name = t.Name[..t.Name.IndexOf('`')];
        return $"{name}<{string.Join(",", t.GetGenericArguments().Select(TypeName))}>";
    }

    // /proc/stat counts in USER_HZ (100 per second on Linux).
    private const double ProcStatHz = 100;

    /// <summary>Busy jiffies of all CPUs (everything but idle and iowait) from /proc/stat; null off Linux.</summary>
    private static long? MachineBusyTicks()
    {
        try
        {
            if (!File.Exists("/proc/stat")) return null;
            var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(long.Parse).ToArray();
            return cpu.Take(8).Sum() - cpu[3] - cpu[4];
        }
        catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    private static double? OtherCpu(StepLine first, StepLine last, double window)
    {
        if (first.MachineBusyTicks is not { } a || last.MachineBusyTicks is not { } b || window <= 0) return null;
        var machine = (b - a) / ProcStatHz;
        var own = (last.OwnCpu - first.OwnCpu).TotalSeconds;
        return Math.Max(0, machine - own) / (window * Environment.ProcessorCount);
    }

    private static double? LoadAverage()
    {
        try
        {
            var text = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg") : null;
            return text is null ? null : double.Parse(text.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Deletes the run folders of a finished benchmark (SQLite pools first, which hold the journal files open).</summary>
    public static void DeleteRunFolders(PipelineBenchmarkOptions o)
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var eta in o.EtaList)
        {
            var folder = Path.Combine(o.OutRoot, $"eta{eta}");
            try
            {
                if (Directory.Exists(folder)) Directory.Delete(folder, true);
            }
            catch (IOException)
            {
                // best effort: a temp folder left behind is harmless
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ hop cost

    /// <summary>
    /// Round trips between two actors in a plain actor system (no tap): both on the default dispatcher, then one on
    /// the pinned torch dispatcher. A hop is half a round trip.
    /// </summary>
    public static async Task<MailboxHopCost> MeasureHopAsync(int roundTrips = 20_000)
    {
        var config = ConfigurationFactory.ParseString("akka { loglevel = WARNING, stdout-loglevel = WARNING }").WithFallback(GipoDispatchers.Config);
        var system = ActorSystem.Create("gipo-hop-bench", config);
        try
        {
            async Task<double> Measure(Props echo, string name)
            {
                var target = system.ActorOf(echo, name);
                await PingPong(system, target, roundTrips / 4); // warm-up: JIT, thread start
                var seconds = await PingPong(system, target, roundTrips);
                system.Stop(target);
                return seconds / (2.0 * roundTrips);
            }
            var onDefault = await Measure(Props.Create(() => new Echo()), "echo-default");
            var onPinned = await Measure(Props.Create(() => new Echo()).WithDispatcher(GipoDispatchers.Torch), "echo-pinned");
            return new MailboxHopCost(onDefault, onPinned, roundTrips);
        }
        finally
        {
            await system.Terminate();
        }
    }

    private static async Task<double> PingPong(ActorSystem system, IActorRef echo, int roundTrips)
    {
        var done = new TaskCompletionSource<double>(TaskCreationOptions.RunContinuationsAsynchronously);
        var driver = system.ActorOf(Props.Create(() => new Driver(echo, roundTrips, done)));
        var seconds = await done.Task.WaitAsync(TimeSpan.FromMinutes(2));
        system.Stop(driver);
        return seconds;
    }

    private sealed class Ping : INoSerializationVerificationNeeded
    {
        public static Ping Instance { get; } = new();
    }

    private sealed class Echo : ReceiveActor
    {
        public Echo() => ReceiveAny(m => Sender.Tell(m));
    }

    private sealed class Driver : ReceiveActor
    {
        private readonly IActorRef echo;
        private long start;

        public Driver(IActorRef echo, int roundTrips, TaskCompletionSource<double> done)
        {
            this.echo = echo;
            var left = roundTrips;
            Receive<Ping>(_ =>
            {
                if (--left > 0) echo.Tell(Ping.Instance);
                else done.TrySetResult(Stopwatch.GetElapsedTime(start).TotalSeconds);
            });
        }

        protected override void PreStart()
        {
            start = Stopwatch.GetTimestamp();
            echo.Tell(Ping.Instance);
        }
    }
}
