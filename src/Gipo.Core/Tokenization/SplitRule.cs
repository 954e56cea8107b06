using System.Text.RegularExpressions;

namespace Gipo.Core.Tokenization;

/// <summary>One Hugging Face <c>Split</c> pre-tokenizer.</summary>
/// <remarks>
/// As in Hugging Face (<c>tokenizer/pattern.rs</c>, <c>NormalizedString::split</c>): the text is cut into matches
/// (marked) and the gaps between them (unmarked), <c>invert</c> flips the marks, and the behavior decides. So
/// <c>Isolated</c> ignores <c>invert</c>, and <c>Removed</c> + <c>invert</c> keeps only the matches: for a pattern that
/// leaves no gaps (the GPT-2, Qwen and Llama-3 patterns) that is the same as <c>Isolated</c>.
/// </remarks>
/// <param name="Pattern">The compiled pattern.</param>
/// <param name="Behavior">What becomes of the marked parts.</param>
/// <param name="Invert">Whether the gaps, not the matches, are the marked parts.</param>
internal sealed record SplitRule(Regex Pattern, SplitBehavior Behavior, bool Invert = false);
