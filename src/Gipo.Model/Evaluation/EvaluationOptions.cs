using System.Text.RegularExpressions;
using Gipo.Core.Algorithm.Entropy;
using Gipo.Core.Evaluation;
using Gipo.Core.Tasks;
using Gipo.Core.Tokenization;
using Gipo.Model.Sampling;

namespace Gipo.Model.Evaluation;

/// <summary>Settings of a §E.2 evaluation.</summary>
public sealed record EvaluationOptions
{
    public Split Split { get; init; } = Split.RlTest;
    public int Prompts { get; init; } = 200;
    public int SamplesPerPrompt { get; init; } = 16;
    public IReadOnlyList<int> Ks { get; init; } = [1, 2, 4, 8, 16];
    /// <summary>Budget multipliers β of L_ref (95th-percentile solver solution length); empty = skip.</summary>
    public IReadOnlyList<double> Budgets { get; init; } = [0.5, 0.75, 1.0, 1.5];
    public int MaxNewTokens { get; init; } = 160;
    public double Temperature { get; init; } = 1.0;
    public int Seed { get; init; }
    /// <summary>Step segmentation for the per-bucket entropy (§E.3): delimiter text, answer marker, K_B.</summary>
    public string StepDelimiter { get; init; } = "\n";
    public string AnswerMarker { get; init; } = "^A:";
    public int Buckets { get; init; } = 6;
}
