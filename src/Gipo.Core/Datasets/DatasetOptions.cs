namespace Gipo.Core.Datasets;

/// <summary>What a dataset task reads and how (the <c>gipo.dataset</c> section; every field is documented in <c>hocon/gipo.conf</c>).</summary>
/// <param name="Train">File of training rows: JSONL, or Parquet when the name ends in <c>.parquet</c>.</param>
/// <param name="Test">File of held-out rows (JSONL or Parquet); empty = hold out <paramref name="TestFraction"/> of <paramref name="Train"/>.</param>
/// <param name="TestFraction">Share of the training file's rows held out when <paramref name="Test"/> is empty.</param>
/// <param name="SplitSeed">Seeds which rows are held out by <paramref name="TestFraction"/>.</param>
/// <param name="PromptField">The field holding the prompt: a string, or chat messages <c>[{role, content}]</c>.</param>
/// <param name="AnswerField">The field holding the reference answer (a string or a number).</param>
/// <param name="SolutionField">The field holding the worked solution the SFT warm start trains on; empty = <paramref name="AnswerField"/>.</param>
/// <param name="Template">How a plain-text prompt is written for the model; <c>{prompt}</c> stands for the prompt text.</param>
/// <param name="ChatFormat">The chat markup around the prompt.</param>
/// <param name="SystemPrompt">A system message put first in chat formats (unless the row's messages start with one); empty = none.</param>
/// <param name="Verifier">The verifier and its settings.</param>
public sealed record DatasetOptions(
    string Train, string Test, double TestFraction, int SplitSeed, string PromptField, string AnswerField, string SolutionField,
    string Template, ChatFormat ChatFormat, string SystemPrompt, DatasetVerifier Verifier)
{
    /// <summary>The placeholder of <see cref="Template"/>.</summary>
    public const string PromptPlaceholder = "{prompt}";
}
