namespace Gipo.Cli.Experiments;

/// <summary>
/// Everything one run folder <c>runs/&lt;id&gt;/</c> holds that the report reads: its record, the per-prompt
/// evaluation of each split that exists, and its training log if there is one.
/// </summary>
internal sealed record RunOutputs(
    string Folder, RunRecord Record, IReadOnlyDictionary<string, IReadOnlyList<PromptResult>> Evaluations, TrainingCurve? Curve)
{
    /// <summary>
    /// Loads <paramref name="folder"/>; null (with a line in <paramref name="warnings"/>) when it has no
    /// <c>experiment-run.json</c>, e.g. a run the orchestrator has not started writing. Absent evaluation files or logs
    /// of a finished run are warned about and then count as missing values; malformed ones throw naming file:line.
    /// </summary>
    public static RunOutputs? Load(string folder, IReadOnlyList<string> splits, List<string> warnings)
    {
        var recordPath = Path.Combine(folder, RunRecord.FileName);
        if (!File.Exists(recordPath))
        {
            warnings.Add($"{folder}: no {RunRecord.FileName}; folder skipped");
            return null;
        }
        var record = RunRecord.Read(recordPath);
        var evaluations = new Dictionary<string, IReadOnlyList<PromptResult>>(StringComparer.Ordinal);
        foreach (var split in splits)
        {
            var path = Path.Combine(folder, PromptResult.FileName(split));
            if (File.Exists(path)) evaluations[split] = PromptResult.ReadAll(path);
            else if (record.Finished) warnings.Add($"{record.Id}: finished but has no {PromptResult.FileName(split)}");
        }
        var metricsPath = Path.Combine(folder, TrainingCurve.FileName);
        TrainingCurve? curve = null;
        if (File.Exists(metricsPath)) curve = TrainingCurve.Read(metricsPath);
        else if (record.Finished) warnings.Add($"{record.Id}: finished but has no {TrainingCurve.FileName}");
        return new RunOutputs(folder, record, evaluations, curve);
    }

    /// <summary>Path of a split's per-prompt file, for error messages.</summary>
    public string EvaluationPath(string split) => Path.Combine(Folder, PromptResult.FileName(split));
}
