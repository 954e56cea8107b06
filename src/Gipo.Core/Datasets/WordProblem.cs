namespace Gipo.Core.Datasets;

/// <summary>One generated word problem in the GSM8K row format.</summary>
/// <param name="Question">The problem text.</param>
/// <param name="Answer">The worked solution, one line per operation, then <c>#### &lt;number&gt;</c>.</param>
public sealed record WordProblem(string Question, string Answer);
