namespace Gipo.Bench.Pipeline;

/// <summary>The result of <c>gipo-bench pipeline</c>.</summary>
public sealed record PipelineBenchmarkResult(MailboxHopCost Hop, IReadOnlyList<PipelineRunResult> Runs, IReadOnlyList<string> Overrides);
