using Gipo.Core.Verification;

namespace Gipo.Core.Tests.Verification;

public class Gsm8kAnswerTests
{
    [Theory]
    [InlineData("so she has 1,234 apples.\n#### 1,234", "1234")]
    [InlineData("#### 72", "72")]
    [InlineData("#### -5", "-5")]
    [InlineData("#### 3.50", "3.50")]
    [InlineData("#### 1\nthen #### 2", "2")]
    [InlineData("####72", null)]
    [InlineData("#### $72", null)]
    [InlineData("the answer is 72", null)]
    [InlineData("", null)]
    public void Strict_takes_the_number_after_the_last_hashes(string text, string? expected)
    {
        Assert.Equal(expected, Gsm8kAnswer.ExtractStrict(text));
    }

    [Theory]
    [InlineData("The answer is 42 apples", "42")]
    [InlineData("3 apples and 5 pears make 8 fruits .", "8")]
    [InlineData("It costs -3 dollars", "-3")]
    [InlineData("So 42.", "42.")]
    [InlineData("total 1,234", "1,234")]
    [InlineData("#### 17", "17")]
    [InlineData("a , b", ",")] // a lone comma is a match, as in veRL
    [InlineData("", null)]
    public void Flexible_takes_the_last_number_like_run_that_is_not_a_lone_period(string text, string? expected)
    {
        Assert.Equal(expected, Gsm8kAnswer.ExtractFlexible(text));
    }

    [Fact]
    public void Flexible_with_only_periods_returns_the_first_one_as_verl_does()
    {
        // veRL's loop over the matches in reverse never breaks when all are '.', and its loop variable is left on the
        // first match: "." is returned (and scores the format score), not None.
        Assert.Equal(".", Gsm8kAnswer.ExtractFlexible("no digits here. none."));
        var result = Gsm8kAnswer.Verify("no digits here. none.", "7", Gsm8kMethod.Flexible, formatScore: 0.1);
        Assert.Equal(0.1, result.Score);
        Assert.Equal("answer . but expected 7", result.Reason);
    }

    [Fact]
    public void Strict_and_flexible_read_only_the_last_300_characters()
    {
        // veRL's _SOLUTION_CLIP_CHARS: a marker further back is not seen, and a number cut by the clip is read in part.
        var tail = new string('x', 300);
        Assert.Null(Gsm8kAnswer.ExtractStrict("#### 72" + tail));
        Assert.Equal(0.0, Gsm8kAnswer.Verify("#### 72" + tail, "72").Score);
        var cut = "#### 12345" + new string(' ', 296); // 306 characters: the clip drops "#### 1"
        Assert.Null(Gsm8kAnswer.ExtractStrict(cut));
        Assert.Equal("2345", Gsm8kAnswer.ExtractFlexible(cut));
        Assert.Equal("72", Gsm8kAnswer.ExtractStrict("#### 72" + new string('x', 293))); // exactly 300: no clip
    }

    [Fact]
    public void The_clip_counts_characters_as_python_does_not_utf16_units()
    {
        // Python's len() and slicing count code points; an emoji is one character there but two UTF-16 units here.
        var emoji = string.Concat(Enumerable.Repeat("\U0001F600", 293));
        Assert.Equal("72", Gsm8kAnswer.ExtractStrict("#### 72" + emoji)); // 300 code points: no clip
        Assert.Null(Gsm8kAnswer.ExtractStrict("#### 72" + emoji + "\U0001F600")); // 301: the first '#' is cut
        Assert.Equal("72", Gsm8kAnswer.ExtractStrict("x#### 72" + emoji)); // 301: only the 'x' is cut
    }

    [Theory]
    [InlineData("Natalia sold 48/2 = <<48/2=24>>24 clips in May.\n#### 72", "72")]
    [InlineData("...\n#### 1,234", "1234")]
    [InlineData("no marker", null)]
    [InlineData("#### 1\nthen #### 2", "1")] // veRL's preprocessing takes the first marker (re.search)
    [InlineData("#### 72", "72")]
    public void Gold_is_the_text_after_the_hashes_without_commas(string answerText, string? expected)
    {
        Assert.Equal(expected, Gsm8kAnswer.Gold(answerText));
    }

    [Fact]
    public void Strict_score_compares_strings_after_removing_commas()
    {
        Assert.Equal(VerificationResult.Pass(), Gsm8kAnswer.Verify("so #### 1,234", "1234"));
        Assert.Equal(VerificationResult.Fail("answer 1235 but expected 1234"), Gsm8kAnswer.Verify("#### 1235", "1234"));
        Assert.Equal(VerificationResult.Fail("no strict answer"), Gsm8kAnswer.Verify("1234", "1234"));
    }

    [Fact]
    public void Flexible_score_takes_the_last_number()
    {
        Assert.Equal(1.0, Gsm8kAnswer.Verify("first 3, then 1234", "1234", Gsm8kMethod.Flexible).Score);
        Assert.Equal(0.0, Gsm8kAnswer.Verify("1234 then 3", "1234", Gsm8kMethod.Flexible).Score);
    }

    [Fact]
    public void A_wrong_but_extracted_answer_gets_the_format_score()
    {
        var result = Gsm8kAnswer.Verify("#### 5", "6", formatScore: 0.1);

        Assert.Equal(0.1, result.Score);
        Assert.False(result.Correct);
        Assert.Equal(0.0, Gsm8kAnswer.Verify("nothing", "6", formatScore: 0.1).Score);
    }

    [Fact]
    public void Boxed_method_takes_the_last_boxed_content()
    {
        Assert.Equal("1234", Gsm8kAnswer.Extract("so \\boxed{12} no, \\boxed{1,234}", Gsm8kMethod.Boxed));
        Assert.Equal(1.0, Gsm8kAnswer.Verify("\\boxed{\\$1,234}", "1234", Gsm8kMethod.Boxed).Score);
        Assert.Null(Gsm8kAnswer.Extract("1234", Gsm8kMethod.Boxed));
    }

    [Fact]
    public void Boxed_method_finds_braced_boxes_only_as_math_dapo_does()
    {
        // §E.5 extracts with math_dapo.py's last_boxed_only_string / remove_boxed: the last "\boxed{" with balanced
        // braces; the "\boxed 5" and "\fbox{}" forms of math.py are not answers here.
        Assert.Equal("12", Gsm8kAnswer.Extract("\\boxed{12} then $\\boxed 7$", Gsm8kMethod.Boxed));
        Assert.Null(Gsm8kAnswer.Extract("so $\\boxed 7$", Gsm8kMethod.Boxed));
        Assert.Null(Gsm8kAnswer.Extract("\\fbox{7}", Gsm8kMethod.Boxed));
        Assert.Null(Gsm8kAnswer.Extract("\\boxed{1{2}", Gsm8kMethod.Boxed)); // never closes
        Assert.Equal("1{2}", Gsm8kAnswer.Extract("\\boxed{1{2}}", Gsm8kMethod.Boxed));
    }

    [Theory]
    [MemberData(nameof(GarbageText.Cases), MemberType = typeof(GarbageText))]
    public void Garbage_never_throws(string text)
    {
        foreach (var method in Enum.GetValues<Gsm8kMethod>())
        {
            Assert.False(Gsm8kAnswer.Verify(text, "1234", method).Correct);
        }
    }
}
