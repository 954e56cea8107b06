using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Akka.Configuration;
using Gipo.Cluster.Configuration;
using Gipo.Core.Tasks;

namespace Gipo.Cli.Experiments;

/// <summary>
/// An experiment plan (<c>experiments/&lt;name&gt;.conf</c>, HOCON): tasks × methods × seeds, the step budget, the
/// evaluation shared by every run and the pre-registered primary metrics. <see cref="Load"/> validates all of it,
/// including every run's resolved training settings, before anything runs: a plan either is sound or names its first
/// problem.
/// </summary>
public sealed partial record ExperimentPlan
{
    public required string Name { get; init; }
    public required string Description { get; init; }
    /// <summary>The metrics named before any run, copied to the manifest (the report leads with them).</summary>
    public required IReadOnlyList<string> PrimaryMetrics { get; init; }
    /// <summary>Methods the report's paired deltas are taken against.</summary>
    public required IReadOnlyList<string> Baselines { get; init; }
    public required IReadOnlyList<int> Seeds { get; init; }
    /// <summary>RL learner steps of every run.</summary>
    public required int Steps { get; init; }
    /// <summary><c>run.torch-threads</c> of every run process (and its evaluations).</summary>
    public required int ThreadsPerRun { get; init; }
    /// <summary>Overrides of every run, before the task's and the method's.</summary>
    public required IReadOnlyList<string> Set { get; init; }
    public required PlanEvaluation Evaluation { get; init; }
    public required int BootstrapResamples { get; init; }
    public required int BootstrapSeed { get; init; }
    /// <summary>Tasks in plan order.</summary>
    public required IReadOnlyList<PlanTask> Tasks { get; init; }
    /// <summary>Methods in plan order.</summary>
    public required IReadOnlyList<PlanMethod> Methods { get; init; }
    /// <summary>The plan file's text, as read (copied to <c>plan.conf</c>).</summary>
    public required string Text { get; init; }

    /// <summary>SHA-256 (lowercase hex) of the plan file's bytes.</summary>
    public string Sha256 => Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Text)));

    /// <summary>Every run, task by task, method by method (plan order), seed by seed.</summary>
    public IReadOnlyList<PlannedRun> Runs => [.. Tasks.SelectMany(t => Methods.SelectMany(m => m.Seeds.Select(s => new PlannedRun(t, m, s))))];

    /// <summary>
    /// The <c>--set</c> overrides of <paramref name="run"/>'s <c>gipo train</c>: the plan's, the task's and the method's,
    /// then the plan's own run settings (seed, steps, threads, the shared evaluation), which therefore always win.
    /// </summary>
    public IReadOnlyList<string> TrainOverrides(PlannedRun run) =>
    [
        .. TaskOverrides(run.Task), .. run.Method.Set,
        $"run.seed={run.Seed}", $"run.steps={Steps}", $"run.torch-threads={ThreadsPerRun}", $"run.eval-seed={Evaluation.Seed}",
        $"run.eval-prompts={Evaluation.Prompts}", $"run.eval-samples={Evaluation.TrainingSamples}",
    ];

    /// <summary>The plan's and the task's overrides; a task named like a reasoning task trains on it unless its overrides say otherwise.</summary>
    private IReadOnlyList<string> TaskOverrides(PlanTask task) =>
        [.. ReasoningTasks.Names.Contains(task.Name) ? [$"run.task={task.Name}"] : Array.Empty<string>(), .. Set, .. task.Set];

    /// <summary>Reads and validates the plan file at <paramref name="path"/>; relative paths in it are resolved against the working directory, then
    /// the plan's folder.</summary>
    public static ExperimentPlan Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"plan '{path}' does not exist");
        return Parse(File.ReadAllText(path), path, Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    /// <summary>Parses and validates plan text; <paramref name="source"/> names it in errors, <paramref name="planDirectory"/> is the second place
    /// relative paths are looked up.</summary>
    public static ExperimentPlan Parse(string text, string source, string planDirectory)
    {
        Config config;
        // Akka's parser accepts unbalanced braces and can loop on a broken array: check the syntax first (line, column).
        Gipo.Cluster.Configuration.HoconSyntax.Check(text, source);
        try
        {
            config = ConfigurationFactory.ParseString(text);
        }
        catch (Exception x) when (x is ConfigurationException or FormatException or ArgumentException)
        {
            throw new ArgumentException($"{source}: not valid HOCON ({x.Message.Split('\n')[0]})", x);
        }
        var top = new PlanSection(config.Root.IsObject() ? config.Root.GetObject() : new Akka.Configuration.Hocon.HoconObject(), "", source);
        if (!top.Has("experiment") && top.Names.Count > 0)
            throw new ArgumentException($"{source}: unknown key(s) {string.Join(", ", top.Names.Select(n => $"'{n}'"))} (a plan is one object: " +
                                        $"experiment {{ … }})");
        var e = top.Section("experiment", required: true);
        top.RejectUnknownKeys();

        var name = Identifier(e, "name", e.String("name"));
        var seeds = DistinctSeeds(e, "seeds", e.Ints("seeds", 0, int.MaxValue));
        var evaluation = ReadEvaluation(e.Section("evaluation"));
        var bootstrap = e.Section("bootstrap");
        var (resamples, bootstrapSeed) = (bootstrap.Int("resamples", 1, 10_000_000, 2000), bootstrap.Int("seed", 0, int.MaxValue, 7));
        bootstrap.RejectUnknownKeys();

        var tasksSection = e.Section("tasks", required: true);
        var tasks = tasksSection.Names.Select(n => ReadTask(tasksSection, n, planDirectory)).ToList();
        if (tasks.Count == 0) throw new ArgumentException($"{source}: 'experiment.tasks' names no task");
        var methodsSection = e.Section("methods", required: true);
        var methods = methodsSection.Names.Select(n => ReadMethod(methodsSection, n, seeds, planDirectory)).ToList();
        if (methods.Count == 0) throw new ArgumentException($"{source}: 'experiment.methods' names no method");

        var plan = new ExperimentPlan
        {
            Name = name,
            Description = e.String("description", ""),
            PrimaryMetrics = e.Strings("primary-metrics"),
            Baselines = e.Strings("baselines", []),
            Seeds = seeds,
            Steps = e.Int("steps", 1, 1_000_000),
            ThreadsPerRun = e.Int("threads-per-run", 1, 1024, 1),
            Set = e.Strings("set", []),
            Evaluation = evaluation,
            BootstrapResamples = resamples,
            BootstrapSeed = bootstrapSeed,
            Tasks = tasks,
            Methods = methods,
            Text = text,
        };
        e.RejectUnknownKeys();

        if (plan.PrimaryMetrics.Count == 0) throw e.Error("primary-metrics", "is empty: name the primary metrics before any run");
        foreach (var b in plan.Baselines.Where(b => methods.All(m => m.Name != b)))
            throw e.Error("baselines", $"names '{b}', which is not a method of the plan ({string.Join(", ", methods.Select(m => m.Name))})");
        plan.ValidateRuns(source);
        return plan;
    }

    /// <summary>
    /// Resolves the training settings of every task × method exactly as its <c>gipo train</c> will, so that an unknown
    /// override key or a bad value fails now, not hours into the experiment.
    /// </summary>
    private void ValidateRuns(string source)
    {
        foreach (var task in Tasks)
        {
            foreach (var method in Methods)
            {
                var run = new PlannedRun(task, method, method.Seeds[0]);
                try
                {
                    var settings = GipoSettings.Load(method.Config, TrainOverrides(run));
                    var resolved = RunSettings.Read(settings);
                    AlgorithmSettingsReader.Read(settings);
                    if (resolved.Task != task.ReasoningTask)
                        throw new ArgumentException($"method '{method.Name}' changes run.task to '{resolved.Task}' " +
                                                    $"(task '{task.Name}' trains on '{task.ReasoningTask}'); set run.task in the task's overrides");
                }
                catch (ArgumentException x)
                {
                    throw new ArgumentException($"{source}: run {run.Id}: {x.Message}", x);
                }
            }
        }
    }

    private static PlanEvaluation ReadEvaluation(PlanSection s)
    {
        var samples = s.Int("samples", 1, 100_000, 8);
        var evaluation = new PlanEvaluation(
            s.Int("seed", 0, int.MaxValue, 1234), s.Int("prompts", 1, 1_000_000, 200), samples,
            s.Ints("k", 1, samples, [1, 2, 4, 8]), s.Doubles("budgets", 1e-6, 1000, [0.5, 0.75, 1.0, 1.5]),
            s.Strings("splits", ["rl-test", "ood"]), s.Int("max-new-tokens", 1, 100_000, 96), s.Int("training-samples", 1, 100_000, samples));
        s.RejectUnknownKeys();
        foreach (var split in evaluation.Splits) HeldOutSplit(s, "splits", split);
        if (evaluation.Splits.Count == 0) throw s.Error("splits", "is empty");
        if (evaluation.Splits.Distinct().Count() != evaluation.Splits.Count) throw s.Error("splits", "names a split twice");
        return evaluation;
    }

    private static PlanTask ReadTask(PlanSection tasks, string name, string planDirectory)
    {
        Identifier(tasks, name, name);
        var t = tasks.Section(name, required: true);
        var set = t.Strings("set", []);
        var sft = ReadSft(t.Section("sft", required: true), planDirectory);
        t.RejectUnknownKeys();
        // The task trained on, resolved as the runs will resolve it (a task key that is no reasoning task needs run.task).
        var overrides = ReasoningTasks.Names.Contains(name) ? [$"run.task={name}", .. set] : set;
        string reasoningTask;
        try
        {
            reasoningTask = RunSettings.Read(GipoSettings.Load(null, overrides)).Task;
        }
        catch (ArgumentException x)
        {
            throw t.Error("set", x.Message);
        }
        if (!ReasoningTasks.Names.Contains(name) && !set.Any(o => o.TrimStart().StartsWith("run.task", StringComparison.Ordinal)
            || o.TrimStart().StartsWith("gipo.run.task", StringComparison.Ordinal)))
            throw tasks.Error(name, $"is not a task name ({string.Join(", ", ReasoningTasks.Names)}): " +
                                    $"say which task it trains on with set = [\"run.task=…\"]");
        return new PlanTask(name, reasoningTask, set, sft);
    }

    private static SftWarmStartPlan ReadSft(PlanSection s, string planDirectory)
    {
        if (s.Has("checkpoint"))
        {
            var path = ExistingPath(s, "checkpoint", s.String("checkpoint"), planDirectory, directory: true);
            s.RejectUnknownKeys(); // reuse means exactly that checkpoint: build settings beside it would be ignored, so they are errors
            return new SftWarmStartPlan { Checkpoint = path };
        }
        var d = new SftWarmStartPlan();
        var band = s.Doubles("band", 0, 1);
        if (band.Count != 2 || !(band[0] < band[1])) throw s.Error("band", "must be [low, high] with 0 <= low < high <= 1");
        var plan = d with
        {
            Hidden = s.Int("hidden", 8, 65536, d.Hidden), Layers = s.Int("layers", 1, 1024, d.Layers), Heads = s.Int("heads", 1, 1024, d.Heads),
            Intermediate = s.Int("intermediate", 8, 1 << 20, d.Intermediate), Batch = s.Int("batch", 1, 1 << 20, d.Batch),
            LearningRate = s.Double("lr", 1e-9, 1, d.LearningRate), FinalLrFraction = s.Double("final-lr-fraction", 0, 1, d.FinalLrFraction),
            MaxSteps = s.Int("max-steps", 1, 10_000_000, d.MaxSteps), EvalEvery = s.Int("eval-every", 1, 10_000_000, d.EvalEvery),
            EvalPrompts = s.Int("eval-prompts", 1, 1_000_000, d.EvalPrompts), Seed = s.Int("seed", 0, int.MaxValue, d.Seed),
            EvalSplit = HeldOutSplit(s, "eval-split", s.String("eval-split", d.EvalSplit)),
            Band = new SftBand(band[0], band[1]),
        };
        s.RejectUnknownKeys();
        if (plan.Hidden % plan.Heads != 0) throw s.Error("hidden", $"= {plan.Hidden} must be a multiple of heads = {plan.Heads}");
        return plan;
    }

    private static PlanMethod ReadMethod(PlanSection methods, string name, IReadOnlyList<int> planSeeds, string planDirectory)
    {
        Identifier(methods, name, name);
        var m = methods.Section(name, required: true);
        var method = new PlanMethod(name, ExistingPath(m, "config", m.String("config"), planDirectory, directory: false), m.Strings("set", []),
            m.Has("seeds") ? DistinctSeeds(m, "seeds", m.Ints("seeds", 0, int.MaxValue)) : planSeeds);
        m.RejectUnknownKeys();
        return method;
    }

    private static IReadOnlyList<int> DistinctSeeds(PlanSection s, string key, IReadOnlyList<int> seeds)
    {
        if (seeds.Count == 0) throw s.Error(key, "is empty");
        if (seeds.Distinct().Count() != seeds.Count) throw s.Error(key, "names a seed twice");
        return seeds;
    }

    private static string HeldOutSplit(PlanSection s, string key, string name) =>
        name is "rl-test" or "ood" or "sft-test" ? name : throw s.Error(key, $"= '{name}' is not a held-out split (rl-test, ood, sft-test)");

    /// <summary>Names become folder names and parts of run ids (<c>task.method.sN</c>), so they may not contain dots or separators.</summary>
    private static string Identifier(PlanSection s, string key, string name) =>
        IdentifierPattern().IsMatch(name) ? name : throw s.Error(key, $"= '{name}' must be letters, digits, '-' or '_' " +
                                                                      $"(it names folders and run ids)");

    /// <summary>A path that exists, as given (relative to the working directory) or relative to the plan's folder.</summary>
    private static string ExistingPath(PlanSection s, string key, string path, string planDirectory, bool directory)
    {
        bool Exists(string p) => directory ? Directory.Exists(p) : File.Exists(p);
        foreach (var candidate in new[] { Path.GetFullPath(path), Path.GetFullPath(Path.Combine(planDirectory, path)) })
            if (Exists(candidate)) return candidate;
        throw s.Error(key, $"= '{path}': no such {(directory ? "folder" : "file")} (looked in {Directory.GetCurrentDirectory()} " +
                           $"and {planDirectory})");
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]*$")]
    private static partial Regex IdentifierPattern();
}
