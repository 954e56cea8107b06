namespace Gipo.Core.Tasks;

/// <summary>One task instance as the model sees it.</summary>
/// <param name="Id">Stable identifier: the task name and a hash of the prompt.</param>
/// <param name="Prompt">Exactly the text the model is given, ending in a newline, e.g. <c>Q:ADD 4721 968\n</c>.</param>
/// <param name="Answer">The expected final answer as written after <c>A:</c>, e.g. <c>5689</c>.</param>
/// <param name="Data">
/// Structured fields of the instance (operands, target, ...) for logging and analysis.
/// Verifiers re-parse <paramref name="Prompt"/>, so the prompt stays the single source of truth.
/// </param>
public sealed record Problem(string Id, string Prompt, string Answer, IReadOnlyDictionary<string, string>? Data = null);
