using Gipo.Core.Tokenization;

namespace Gipo.Core.Algorithm.Entropy;

/// <summary>
/// Cuts a response into reasoning steps at delimiter tokens (§B.1): a step ends at each delimiter token and at
/// the last token; steps shorter than m_min are merged forward (never the last one); the last step and any
/// step matching the answer marker are answer steps.
/// </summary>
public sealed class StepSegmenter
{
    private readonly SegmentationConfig config;

    public StepSegmenter(SegmentationConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(config.Delimiters);
        if (config.MinStepLength < 1)
        {
            throw new ArgumentException($"MinStepLength must be at least 1 (1 = no merging), got {config.MinStepLength}", nameof(config));
        }
        this.config = config;
    }

    public SegmentationConfig Config => this.config;

    /// <summary>
    /// Every vocabulary id whose decoded text contains <paramref name="delimiterText"/>. BPE vocabularies hold merges
    /// such as <c>".\n\n"</c>, so matching whole tokens only would miss most step boundaries. Compute once per tokenizer.
    /// </summary>
    public static IReadOnlySet<int> DelimitersFor(ITextTokenizer tokenizer, string delimiterText)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentException.ThrowIfNullOrEmpty(delimiterText);
        var ids = new HashSet<int>();
        for (var id = 0; id < tokenizer.VocabSize; id++)
        {
            if (TryTokenText(tokenizer, id) is { } text && text.Contains(delimiterText, StringComparison.Ordinal))
            {
                ids.Add(id);
            }
        }
        return ids;
    }

    /// <summary>Segments one response (EOS included when present).</summary>
    /// <param name="tokens">The response token ids; at least one.</param>
    /// <param name="decode">Decodes a step's token ids to text, for the answer marker; called only when one is set.</param>
    public StepSegmentation Segment(IReadOnlyList<int> tokens, Func<IReadOnlyList<int>, string> decode)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(decode);
        if (tokens.Count == 0)
        {
            throw new ArgumentException("A response has at least one token (its EOS or a truncated first token)", nameof(tokens));
        }

        var ends = MergeShortSteps(DelimitedStepEnds(tokens));
        var steps = new int[ends.Count][];
        var isAnswer = new bool[ends.Count];
        var start = 0;
        for (var k = 0; k < ends.Count; k++)
        {
            steps[k] = Enumerable.Range(start, ends[k] - start + 1).ToArray();
            isAnswer[k] = k == ends.Count - 1 || MatchesAnswerMarker(tokens, steps[k], decode);
            start = ends[k] + 1;
        }
        return new StepSegmentation(ends.Count, steps, [.. ends], isAnswer);
    }

    // A step ends at every delimiter token and at the last token, so the EOS always closes the last step.
    private List<int> DelimitedStepEnds(IReadOnlyList<int> tokens)
    {
        var ends = new List<int>();
        for (var t = 0; t < tokens.Count; t++)
        {
            if (this.config.Delimiters.Contains(tokens[t]) || t == tokens.Count - 1)
            {
                ends.Add(t);
            }
        }
        return ends;
    }

    // Steps are contiguous, so a merge-forward is "drop this end": the short step's tokens join the next step.
    // The merged step is measured again, so a merge that is still too short merges again (docs/algorithm.md §B.1).
    private List<int> MergeShortSteps(List<int> ends)
    {
        var merged = new List<int>(ends.Count);
        var start = 0;
        for (var k = 0; k < ends.Count; k++)
        {
            var isLast = k == ends.Count - 1;
            if (!isLast && ends[k] - start + 1 < this.config.MinStepLength)
            {
                continue;
            }
            merged.Add(ends[k]);
            start = ends[k] + 1;
        }
        return merged;
    }

    private bool MatchesAnswerMarker(IReadOnlyList<int> tokens, int[] step, Func<IReadOnlyList<int>, string> decode) =>
        this.config.AnswerMarker is { } marker && marker.IsMatch(decode(step.Select(t => tokens[t]).ToArray()));

    // Vocabularies may have unassigned ids (holes below VocabSize); they can never be a delimiter.
    private static string? TryTokenText(ITextTokenizer tokenizer, int id)
    {
        try
        {
            return tokenizer.TokenText(id);
        }
        catch (ArgumentOutOfRangeException)
        {
            return null;
        }
    }
}
