using Gipo.Core.Datasets;
using Gipo.Core.Verification;

namespace Gipo.Core.Tests.Datasets;

public sealed class DatasetVerifierTests
{
    [Fact]
    public void Gsm8k_strict_reads_the_number_after_the_answer_marker_and_the_gold_from_a_worked_answer()
    {
        var v = new DatasetVerifier(DatasetVerifierKind.Gsm8k);
        var gold = v.Gold("Ann has 3.\n3+1,000=1,003\n#### 1,003");
        Assert.Equal("1003", gold);
        Assert.True(v.Verify("3+1000=1003\n#### 1,003", gold).Correct);
        Assert.False(v.Verify("the answer is 1003", gold).Correct); // no #### line: strict finds nothing
        Assert.Equal(0.0, v.Verify("#### 7", gold).Score);
        Assert.Equal("5", v.Gold("5")); // a bare reference is its own gold
    }

    [Fact]
    public void Gsm8k_flexible_takes_the_last_number_and_the_format_score_rewards_a_wrong_one()
    {
        var v = new DatasetVerifier(DatasetVerifierKind.Gsm8k, Gsm8kMethod.Flexible, formatScore: 0.1);
        Assert.True(v.Verify("so she has 17", "17").Correct);
        var wrong = v.Verify("so she has 18", "17");
        Assert.False(wrong.Correct);
        Assert.Equal(0.1, wrong.Score);
        Assert.Equal(0.0, v.Verify("no idea", "17").Score);
    }

    [Fact]
    public void Math_compares_the_last_boxed_answer_after_normalisation()
    {
        var v = new DatasetVerifier(DatasetVerifierKind.Math);
        var gold = v.Gold("so the answer is $\\boxed{\\frac{1}{2}}$");
        Assert.Equal("\\frac{1}{2}", gold);
        Assert.True(v.Verify("We get \\boxed{\\dfrac12}.", gold).Correct);
        Assert.True(v.Verify("We get \\boxed{0.5}.", gold).Correct);
        Assert.False(v.Verify("We get \\boxed{1/3}.", gold).Correct);
        Assert.False(v.Verify("We get 1/2.", gold).Correct);
        Assert.Equal("x+1", v.Gold(" x+1 ")); // not boxed: the trimmed text
    }

    [Fact]
    public void Exact_compares_the_answer_pattern_capture_with_the_gold()
    {
        var v = new DatasetVerifier(DatasetVerifierKind.Exact);
        Assert.Equal("Paris", v.Gold("It is in France.\n#### Paris"));
        Assert.True(v.Verify("#### London\n#### Paris ", "Paris").Correct); // the last match
        Assert.False(v.Verify("#### paris", "Paris").Correct);
        Assert.Equal("no answer matching #### (.*)", v.Verify("Paris", "Paris").Reason);

        var whole = new DatasetVerifier(DatasetVerifierKind.Exact, answerPattern: "");
        Assert.True(whole.Verify("  Paris\n", "Paris").Correct);
        var noGroup = new DatasetVerifier(DatasetVerifierKind.Exact, answerPattern: "[A-Z][a-z]+");
        Assert.True(noGroup.Verify("I think Paris", "Paris").Correct);
    }

    [Fact]
    public void Numeric_compares_within_the_relative_tolerance()
    {
        var tight = new DatasetVerifier(DatasetVerifierKind.Numeric);
        var loose = new DatasetVerifier(DatasetVerifierKind.Numeric, tolerance: 0.01);
        Assert.True(tight.Verify("#### 1,000.0", "1000").Correct);
        Assert.False(tight.Verify("#### 1005", "1000").Correct);
        Assert.True(loose.Verify("#### 1005", "1000").Correct);
        Assert.False(loose.Verify("#### 1020", "1000").Correct);
        Assert.False(loose.Verify("#### a lot", "1000").Correct);
        Assert.Equal("0.5", tight.Gold("half\n#### 0.5"));
    }

    [Fact]
    public void Regex_fully_matches_the_extracted_answer_against_the_reference_pattern()
    {
        var v = new DatasetVerifier(DatasetVerifierKind.Regex);
        var gold = v.Gold("(?i)paris|the capital");
        Assert.True(v.Verify("#### PARIS", gold).Correct);
        Assert.True(v.Verify("#### the capital", gold).Correct);
        Assert.False(v.Verify("#### Paris, France", gold).Correct); // the whole answer must match
    }

    [Fact]
    public void A_bad_answer_pattern_or_tolerance_is_refused()
    {
        Assert.Contains("answer pattern '(' is not a valid regular expression",
            Assert.Throws<ArgumentException>(() => new DatasetVerifier(DatasetVerifierKind.Exact, answerPattern: "(").Validate()).Message);
        Assert.Throws<ArgumentException>(() => new DatasetVerifier(DatasetVerifierKind.Numeric, tolerance: -1).Validate());
    }

    [Fact]
    public void Verification_never_throws_on_response_text()
    {
        foreach (var kind in Enum.GetValues<DatasetVerifierKind>())
        {
            var v = new DatasetVerifier(kind);
            var gold = v.Gold(kind == DatasetVerifierKind.Math ? "\\boxed{2}" : "#### 2");
            foreach (var response in new[] { "", "####", "#### ", "\\boxed{", "}}}{{{", new string('9', 10_000), "#### 2\u0000" })
                Assert.InRange(v.Verify(response, gold).Score, 0, 1);
        }
    }
}
