using System.Text.RegularExpressions;
using Gipo.Core.Algorithm.Entropy;
using Gipo.Core.Tokenization;

namespace Gipo.Core.Tests.Algorithm.Entropy;

public sealed class StepSegmenterTests
{
    private static readonly CharTokenizer Chars = CharTokenizer.Default;
    private static readonly IReadOnlySet<int> Newline = StepSegmenter.DelimitersFor(Chars, "\n");

    private static StepSegmentation Segment(string text, int minStepLength = 1, string? answerMarker = null, bool eos = false)
    {
        var tokens = Chars.Encode(text).ToList();
        if (eos)
        {
            tokens.Add(Chars.EosId);
        }
        var marker = answerMarker is null ? null : new Regex(answerMarker);
        var segmenter = new StepSegmenter(new SegmentationConfig(Newline, minStepLength, marker));
        return segmenter.Segment(tokens, ids => Chars.Decode(ids));
    }

    private static string[] StepTexts(string text, StepSegmentation s) =>
        s.Steps.Select(step => new string(step.Select(t => text[t]).ToArray())).ToArray();

    [Fact]
    public void Char_delimiters_are_the_newline_token()
    {
        Assert.Equal([4], Newline.Order());
    }

    [Fact]
    public void Every_newline_ends_a_step()
    {
        const string text = "a\nb\n\nc";
        var s = Segment(text);

        Assert.Equal(4, s.K);
        Assert.Equal(["a\n", "b\n", "\n", "c"], StepTexts(text, s));
        Assert.Equal([1, 3, 4, 5], s.StepEnds);
        Assert.Equal([false, false, false, true], s.IsAnswer);
        Assert.Equal(6, s.Length);
    }

    [Fact]
    public void Short_steps_merge_forward()
    {
        const string text = "a\nb\n\nc";

        Assert.Equal(["a\n", "b\n", "\nc"], StepTexts(text, Segment(text, minStepLength: 2)));
        // The merged step is measured again: "a\n" (2) + "b\n" = 4 ≥ 3, then "\n" joins the last step.
        Assert.Equal(["a\nb\n", "\nc"], StepTexts(text, Segment(text, minStepLength: 3)));
    }

    [Fact]
    public void The_last_step_is_never_merged_even_when_short()
    {
        const string text = "abcd\nx";
        var s = Segment(text, minStepLength: 3);

        Assert.Equal(["abcd\n", "x"], StepTexts(text, s));
        Assert.Equal([false, true], s.IsAnswer);
    }

    [Fact]
    public void No_delimiter_gives_one_answer_step()
    {
        var s = Segment("abc");

        Assert.Equal(1, s.K);
        Assert.Equal([0, 1, 2], s.Steps[0]);
        Assert.Equal([true], s.IsAnswer);
    }

    [Fact]
    public void A_trailing_delimiter_does_not_open_an_empty_step()
    {
        var s = Segment("ab\n");

        Assert.Equal(1, s.K);
        Assert.Equal([2], s.StepEnds);
    }

    [Fact]
    public void Eos_belongs_to_the_last_step()
    {
        var s = Segment("a\nb", eos: true);

        Assert.Equal(2, s.K);
        Assert.Equal([2, 3], s.Steps[1]);
        Assert.Equal(3, s.StepEnds[^1]);
    }

    [Fact]
    public void The_answer_marker_flags_intermediate_steps()
    {
        const string text = "12+3\nA:15\nok";
        var s = Segment(text, answerMarker: "^A:");

        Assert.Equal(["12+3\n", "A:15\n", "ok"], StepTexts(text, s));
        Assert.Equal([false, true, true], s.IsAnswer);
    }

    [Fact]
    public void Without_a_marker_only_the_last_step_is_an_answer_step()
    {
        var s = Segment("x\nA:1\ny");

        Assert.Equal([false, false, true], s.IsAnswer);
    }

    [Fact]
    public void Bpe_style_delimiters_are_every_token_containing_the_text()
    {
        var tokenizer = new ListTokenizer(["a", ".\n\n", "\n", "\n\n", "x\n\ny", null, "\n \n"]);

        Assert.Equal([1, 3, 4], StepSegmenter.DelimitersFor(tokenizer, "\n\n").Order());
        Assert.Equal([1, 2, 3, 4, 6], StepSegmenter.DelimitersFor(tokenizer, "\n").Order());
    }

    [Fact]
    public void Bad_inputs_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => new StepSegmenter(new SegmentationConfig(Newline, 0, null)));
        var segmenter = new StepSegmenter(new SegmentationConfig(Newline, 1, null));
        Assert.Throws<ArgumentException>(() => segmenter.Segment([], ids => ""));
        Assert.Throws<ArgumentException>(() => StepSegmenter.DelimitersFor(Chars, ""));
    }

    /// <summary>A vocabulary given as a list; a null entry is an unassigned id.</summary>
    private sealed class ListTokenizer(IReadOnlyList<string?> tokens) : ITextTokenizer
    {
        public int VocabSize => tokens.Count;

        public int EosId => 0;

        public int PadId => 0;

        public int? BosId => null;

        public IReadOnlyList<int> Encode(string text) => throw new NotSupportedException();

        public string Decode(IEnumerable<int> ids, bool skipSpecial = true) => string.Concat(ids.Select(TokenText));

        public string TokenText(int id) =>
            (uint)id < (uint)tokens.Count && tokens[id] is { } text ? text : throw new ArgumentOutOfRangeException(nameof(id));
    }
}
