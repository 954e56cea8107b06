using Gipo.Core.Verification;

namespace Gipo.Core.Tests.Verification;

public class NumericAnswerTests
{
    [Theory]
    [InlineData("1234", 1234.0)]
    [InlineData("1,234", 1234.0)]
    [InlineData("1{,}234", 1234.0)]
    [InlineData("\\$18", 18.0)]
    [InlineData("$18$", 18.0)]
    [InlineData("-7", -7.0)]
    [InlineData("+7", 7.0)]
    [InlineData("3.25", 3.25)]
    [InlineData(".5", 0.5)]
    [InlineData("42.", 42.0)]
    [InlineData("\\frac{3}{4}", 0.75)]
    [InlineData("\\dfrac{3}{4}", 0.75)]
    [InlineData("-\\frac{1}{2}", -0.5)]
    [InlineData("3/4", 0.75)]
    [InlineData("\\text{18}", 18.0)]
    [InlineData("18\\text{ dollars}", 18.0)]
    [InlineData("18 dollars", 18.0)]
    [InlineData("90^\\circ", 90.0)]
    [InlineData("50\\%", 50.0)]
    [InlineData("x = 5", 5.0)]
    [InlineData(" 12 ", 12.0)]
    public void Parses_integers_decimals_and_fractions(string text, double expected)
    {
        Assert.True(NumericAnswer.TryParse(text, out var value));
        Assert.Equal(expected, value, 12);
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("1/0")]
    [InlineData("\\frac{1}{0}")]
    [InlineData("\\frac12")]
    [InlineData("1e5")]
    [InlineData("\\sqrt{2}")]
    [InlineData("--3")]
    [InlineData(null)]
    public void Rejects_non_numbers(string? text)
    {
        Assert.False(NumericAnswer.TryParse(text, out _));
    }

    [Theory]
    [InlineData("1234", "1,234", true)]
    [InlineData("0.75", "\\frac{3}{4}", true)]
    [InlineData("0.75", "3/4", true)]
    [InlineData("1000000", "1000000.5", true)]
    [InlineData("1000", "1000.01", false)]
    [InlineData("0", "0.0", true)]
    [InlineData("0", "0.000001", false)]
    [InlineData("18", "\\$18.00", true)]
    [InlineData("-2", "2", false)]
    [InlineData("5", "five", false)]
    public void Compares_with_relative_tolerance(string gold, string predicted, bool equivalent)
    {
        Assert.Equal(equivalent, NumericAnswer.AreEquivalent(gold, predicted));
        Assert.Equal(equivalent, NumericAnswer.AreEquivalent(predicted, gold));
    }

    [Fact]
    public void Verify_reasons()
    {
        Assert.Equal(VerificationResult.Pass(), NumericAnswer.Verify("1,234", "1234"));
        Assert.Equal(VerificationResult.Fail("answer 12 but expected 1234"), NumericAnswer.Verify("12", "1234"));
        Assert.Equal(VerificationResult.Fail("answer twelve is not a number"), NumericAnswer.Verify("twelve", "12"));
        Assert.Equal(VerificationResult.Fail("no answer"), NumericAnswer.Verify(null, "12"));
    }

    [Theory]
    [MemberData(nameof(GarbageText.Cases), MemberType = typeof(GarbageText))]
    public void Garbage_never_throws(string text)
    {
        Assert.False(NumericAnswer.Verify(text, "1234").Correct);
    }
}
