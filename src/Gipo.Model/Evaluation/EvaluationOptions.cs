using Gipo.Core.Tasks;

namespace Gipo.Model.Evaluation;

/// <summary>
/// Settings of a §E.2 evaluation. Every one is required: <c>gipo eval</c> sets them from its options and the step
/// segmentation from <c>hocon/gipo.conf</c>'s algorithm keys, so no default is written here a second time.
/// </summary>
public sealed record EvaluationOptions
{
    public required Split Split { get; init; }
    public required int Prompts { get; init; }
    public required int SamplesPerPrompt { get; init; }
    public required IReadOnlyList<int> Ks { get; init; }
    /// <summary>Budget multipliers β of L_ref (95th-percentile solver solution length); empty = skip.</summary>
    public required IReadOnlyList<double> Budgets { get; init; }
    public required int MaxNewTokens { get; init; }
    public required double Temperature { get; init; }
    public required int Seed { get; init; }
    /// <summary>Step segmentation for the per-bucket entropy (§E.3): delimiter text, answer marker, K_B.</summary>
    public required string StepDelimiter { get; init; }
    public required string AnswerMarker { get; init; }
    public required int Buckets { get; init; }
}
