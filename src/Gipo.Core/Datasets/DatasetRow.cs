namespace Gipo.Core.Datasets;

/// <summary>One row of a dataset file, checked but not yet rendered for a model.</summary>
/// <param name="File">The file it came from.</param>
/// <param name="Line">Its 1-based line in <paramref name="File"/> (row number for columnar files).</param>
/// <param name="Prompt">The plain-text prompt, or null when the row has chat <paramref name="Messages"/>.</param>
/// <param name="Messages">The chat prompt, or null when the row has a plain-text <paramref name="Prompt"/>.</param>
/// <param name="Reference">The reference answer field's text (numbers as written in the file).</param>
/// <param name="Gold">The answer the verifier compares with, derived from <paramref name="Reference"/> (<see cref="DatasetVerifier.Gold"/>).</param>
/// <param name="Solution">The worked solution the SFT warm start trains on (the solution field, or the reference answer).</param>
public sealed record DatasetRow(
    string File, int Line, string? Prompt, IReadOnlyList<ChatMessage>? Messages, string Reference, string Gold, string Solution)
{
    /// <summary>The prompt as written in the file, for de-duplication: the text, or the messages joined.</summary>
    public string Key => Prompt ?? string.Join("\u0000", Messages!.Select(m => $"{m.Role}\u0001{m.Content}"));

    /// <summary><c>file:line</c>, for error messages.</summary>
    public string Where => $"{File}:{Line}";
}
