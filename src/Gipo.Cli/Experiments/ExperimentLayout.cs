namespace Gipo.Cli.Experiments;

/// <summary>
/// Where an experiment's files live: <c>&lt;results&gt;/&lt;name&gt;/</c> with <c>plan.conf</c>, <c>manifest.json</c>,
/// <c>sft/&lt;task&gt;-&lt;hash12&gt;/</c> and <c>runs/&lt;id&gt;/</c> (the <c>gipo train</c> run folder, plus
/// <c>experiment-run.json</c>, <c>train.log</c>, <c>eval-&lt;split&gt;.json</c> and <c>eval-&lt;split&gt;.jsonl</c>).
/// </summary>
public sealed record ExperimentLayout(string Root)
{
    public static ExperimentLayout For(string resultsDirectory, string experimentName) =>
        new(Path.GetFullPath(Path.Combine(resultsDirectory, experimentName)));

    public string PlanCopy => Path.Combine(Root, "plan.conf");
    public string Manifest => Path.Combine(Root, "manifest.json");
    public string Runs => Path.Combine(Root, "runs");
    public string SftRoot => Path.Combine(Root, "sft");

    /// <summary>The warm start folder of a task: <c>sft/&lt;task&gt;-&lt;first 12 hex digits of the hash&gt;</c>.</summary>
    public string Sft(string task, string hash) => Path.Combine(SftRoot, $"{task}-{hash[..12]}");

    public string Run(string id) => Path.Combine(Runs, id);
    public string TrainLog(string id) => Path.Combine(Run(id), "train.log");
    public string RunConfig(string id) => Path.Combine(Run(id), "run.conf");
    public string Metrics(string id) => Path.Combine(Run(id), "metrics.jsonl");

    /// <summary>The <c>gipo eval --json</c> object of the final evaluation on <paramref name="split"/>.</summary>
    public string EvalSummary(string id, string split) => Path.Combine(Run(id), $"eval-{split}.json");

    /// <summary>The per-prompt lines (<c>gipo eval --per-prompt</c>) of the final evaluation on <paramref name="split"/>.</summary>
    public string EvalPerPrompt(string id, string split) => Path.Combine(Run(id), $"eval-{split}.jsonl");

    /// <summary>Whether the final evaluation of <paramref name="id"/> on every split in <paramref name="splits"/> is on disk.</summary>
    public bool Evaluated(string id, IEnumerable<string> splits) =>
        splits.All(s => File.Exists(EvalSummary(id, s)) && File.Exists(EvalPerPrompt(id, s)));

    /// <summary>The status of <paramref name="id"/> as its folder shows it.</summary>
    public RunStatus Status(string id, IEnumerable<string> splits) =>
        RunState.Status(ExperimentRunRecord.Read(Run(id)), File.Exists(RunConfig(id)), Evaluated(id, splits));
}
