using Gipo.Core.Verification;

namespace Gipo.Core.Tests.Verification;

public class MathAnswerTests
{
    [Theory]
    [InlineData("so \\boxed{\\frac{1}{\\sqrt{2}}} done", "\\boxed{\\frac{1}{\\sqrt{2}}}")]
    [InlineData("\\boxed{1} or maybe \\boxed{2}.", "\\boxed{2}")]
    [InlineData("first \\boxed{1}, final $\\boxed 5$ ok", "\\boxed 5")]
    [InlineData("\\boxed 5", "\\boxed 5")]
    [InlineData("\\fbox{3}", "\\fbox{3}")]
    [InlineData("\\fbox{3} and \\boxed{4}", "\\boxed{4}")]
    [InlineData("\\boxed{\\{1,2\\}}", "\\boxed{\\{1,2\\}}")]
    [InlineData("\\boxed{\\frac{1}{2}", null)]
    [InlineData("\\boxed}{{x}", "\\boxed}{{x}")] // veRL's scan goes on past a stray '}'; remove_boxed then refuses it
    [InlineData("\\boxed 3$ and finally \\boxed{5}", "\\boxed 3")] // any "\\boxed " wins over braces, as in math.py
    [InlineData("no box here", null)]
    [InlineData("", null)]
    public void Last_boxed_only_string_scans_balanced_braces(string text, string? expected)
    {
        Assert.Equal(expected, MathAnswer.LastBoxedOnlyString(text));
    }

    [Theory]
    [InlineData("\\boxed{\\frac{1}{\\sqrt{2}}}", "\\frac{1}{\\sqrt{2}}")]
    [InlineData("\\boxed 5", "5")]
    [InlineData("\\fbox{3}", null)] // math.py's remove_boxed asserts "\\boxed{": an \\fbox answer never scores
    [InlineData("\\boxed}{{x}", null)]
    [InlineData("\\boxed{\\boxed 5}", null)] // holds "\\boxed " but does not start with it: math.py asserts
    [InlineData("\\boxed{}", "")]
    [InlineData("\\boxedx{5}", null)]
    [InlineData("5", null)]
    [InlineData(null, null)]
    public void Remove_boxed_unwraps_the_content(string? boxed, string? expected)
    {
        Assert.Equal(expected, MathAnswer.RemoveBoxed(boxed));
    }

    [Theory]
    [InlineData("\\dfrac12", "\\frac{1}{2}")]
    [InlineData("\\tfrac{1}{2}", "\\frac{1}{2}")]
    [InlineData("0.5", "\\frac12")]
    [InlineData(".5", "\\frac{1}{2}")]
    [InlineData("3/4", "\\frac{3}{4}")]
    [InlineData("\\frac1{2}", "\\frac{1}{2}")]
    [InlineData("\\sqrt2", "\\sqrt{2}")]
    [InlineData("2\\sqrt3 + 1", "2\\sqrt{3}+1")]
    [InlineData("\\left( 1, 2 \\right)", "(1,2)")]
    [InlineData("90^\\circ", "90")]
    [InlineData("90^{\\circ}", "90")]
    [InlineData("\\$5", "5")]
    [InlineData("50\\%", "50")]
    [InlineData("5\\text{ cm}", "5")]
    [InlineData("k = 3", "3")]
    [InlineData("x=\\frac{1}{2}", "0.5")]
    [InlineData("1\n2", "12")]
    [InlineData("a\\!b", "ab")]
    [InlineData("\\\\frac{1}{2}", "\\frac{1}{2}")]
    [InlineData("0 .5", "0 0.5")]
    [InlineData("\\frac", "\\frac")]
    public void Equivalent_after_strip_string(string first, string second)
    {
        Assert.True(MathAnswer.IsEquivalent(first, second));
        Assert.True(MathAnswer.IsEquivalent(second, first));
    }

    [Theory]
    [InlineData("1", "2")]
    [InlineData("\\frac{1}{2}", "\\frac{2}{4}")]
    [InlineData("0.50", "\\frac{1}{2}")]
    [InlineData("03/4", "\\frac{3}{4}")]
    [InlineData("\\frac", "\\frac ")]
    [InlineData("abc = 3", "3")]
    [InlineData("5\\text{ a}\\text{ b}", "5")]
    [InlineData("1", null)]
    public void Not_equivalent(string first, string? second)
    {
        Assert.False(MathAnswer.IsEquivalent(first, second));
    }

    [Fact]
    public void Two_missing_answers_are_equivalent()
    {
        Assert.True(MathAnswer.IsEquivalent(null, null));
    }

    [Theory]
    [InlineData("a = 0.5", "\\frac{1}{2}")]
    [InlineData("abc = 0.5", "abc=0.5")]
    [InlineData("\\frac1 2", "\\frac{1}{2}")]
    [InlineData("x\\text{ m}", "x")]
    [InlineData("", "")]
    public void Strip_string_results(string input, string expected)
    {
        Assert.True(MathNormalizer.TryStrip(input, out var stripped));
        Assert.Equal(expected, stripped);
    }

    [Theory]
    [InlineData("50\\\\\\%", "50")] // \\\\ collapses first, leaving \\\\%, which the reference also removes
    [InlineData("\U0001F600\U0001F600=5", "5")] // a prefix of two characters (code points, as Python counts)
    [InlineData("\\sqrt\U0001F600", "\\sqrt{\U0001F600}")]
    [InlineData("\\frac\U0001F6002", "\\frac{\U0001F600}{2}")]
    public void Strip_string_counts_and_removes_as_the_reference(string input, string expected)
    {
        Assert.True(MathNormalizer.TryStrip(input, out var stripped));
        Assert.Equal(expected, stripped);
    }

    [Fact]
    public void An_fbox_answer_scores_zero_as_in_verl()
    {
        Assert.False(MathAnswer.Verify("\\fbox{3}", "3").Correct);
        Assert.Equal(1.0, MathAnswer.Verify("\\boxed 3$ and \\boxed{5}", "3").Score);
    }

    [Theory]
    [InlineData("2\\sqrt")]
    [InlineData("\\frac")]
    [InlineData("1\\text{ a}\\text{ b}")]
    public void Strip_string_fails_where_the_reference_raises(string input)
    {
        Assert.False(MathNormalizer.TryStrip(input, out _));
    }

    [Theory]
    [InlineData("Thus $\\boxed{\\dfrac{1}{2}}$.", "\\frac{1}{2}", 1.0)]
    [InlineData("\\boxed{0.5}", "\\frac12", 1.0)]
    [InlineData("\\boxed{1} wait no \\boxed{3/4}", "\\frac{3}{4}", 1.0)]
    [InlineData("\\boxed{1} wait no \\boxed{3/5}", "\\frac{3}{4}", 0.0)]
    [InlineData("the answer is 3/4", "\\frac{3}{4}", 0.0)]
    public void Verify_scores_the_last_boxed_answer(string response, string groundTruth, double score)
    {
        Assert.Equal(score, MathAnswer.Verify(response, groundTruth).Score);
    }

    [Fact]
    public void Verify_reasons()
    {
        Assert.Equal(VerificationResult.Fail("no \\boxed{} answer"), MathAnswer.Verify("42", "42"));
        Assert.Equal(VerificationResult.Fail("answer 41 not equivalent to 42"), MathAnswer.Verify("\\boxed{41}", "42"));
    }

    [Theory]
    [MemberData(nameof(GarbageText.Cases), MemberType = typeof(GarbageText))]
    public void Garbage_never_throws(string text)
    {
        Assert.False(MathAnswer.Verify(text, "1234").Correct);
        MathAnswer.IsEquivalent(text, text + "x");
        MathNormalizer.TryStrip(text, out _);
    }
}
