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
    [InlineData("no digits here. none.", null)]
    [InlineData("", null)]
    public void Flexible_takes_the_last_number_like_run_that_is_not_a_lone_period(string text, string? expected)
    {
        Assert.Equal(expected, Gsm8kAnswer.ExtractFlexible(text));
    }

    [Theory]
    [InlineData("Natalia sold 48/2 = <<48/2=24>>24 clips in May.\n#### 72", "72")]
    [InlineData("...\n#### 1,234", "1234")]
    [InlineData("no marker", null)]
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
