using System.Text.RegularExpressions;

namespace Gipo.Core.Algorithm.Entropy;

/// <summary>
/// How a response is cut into reasoning steps (§B.1).
/// </summary>
/// <param name="Delimiters">Token ids that end a step (tiny models: the <c>"\n"</c> token; LLMs: every id whose text
/// contains <c>"\n\n"</c>, see <see cref="StepSegmenter.DelimitersFor"/>).</param>
/// <param name="MinStepLength">m_min: a step shorter than this (in tokens) is merged into the next one. 1 = no merging.</param>
/// <param name="AnswerMarker">Flags a step as an answer step when it matches the step's decoded text (tiny tasks:
/// <c>^A:</c>; math: <c>\\boxed|####</c>); <see langword="null"/> = only the last step is an answer step.</param>
public sealed record SegmentationConfig(IReadOnlySet<int> Delimiters, int MinStepLength, Regex? AnswerMarker);
