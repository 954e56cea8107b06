using Gipo.Core.Algorithm.InformationBottleneck;
using Gipo.Core.Tokenization;

namespace Gipo.Core.Tests.Algorithm.InformationBottleneck;

public class ReferenceAnswerQueriesTests
{
    private static readonly CharTokenizer Tok = CharTokenizer.Default;

    private static int[] Ids(string text) => Tok.Encode(text).ToArray();

    [Fact]
    public void Each_state_cuts_after_its_step_then_appends_the_prefix_and_scores_answer_and_suffix()
    {
        var prompt = Ids("Q:ADD 12 34\n");
        var response = Ids("2+4+0=6\nA:46\n");           // steps "2+4+0=6\n" (8 tokens) and "A:46\n" (5 tokens)
        var stepOfToken = Enumerable.Repeat(0, 8).Concat(Enumerable.Repeat(1, 5)).ToArray();
        var (prefix, scored) = ReferenceAnswerQueries.Encode(Tok, "A:", "46", "\n");

        var queries = ReferenceAnswerQueries.ForStates(prompt, response, stepOfToken, prefix, scored);

        // K = 2 states: s_0 after the prompt, s_1 after step 1; the last step ends the trajectory and has no state.
        Assert.Equal(2, queries.Length);
        Assert.Equal("Q:ADD 12 34\nA:", Tok.Decode(queries[0].Context));
        Assert.Equal("Q:ADD 12 34\n2+4+0=6\nA:", Tok.Decode(queries[1].Context));
        Assert.All(queries, q => Assert.Equal("46\n", Tok.Decode(q.Scored)));
    }

    [Fact]
    public void An_empty_prefix_and_suffix_score_the_bare_answer()
    {
        var (prefix, scored) = ReferenceAnswerQueries.Encode(Tok, "", "5689", "");

        Assert.Empty(prefix);
        Assert.Equal(Ids("5689"), scored);
    }

    [Fact]
    public void Bad_inputs_are_rejected_with_a_reason()
    {
        Assert.Throws<ArgumentException>(() => ReferenceAnswerQueries.Encode(Tok, "A:", "", "\n"));
        var e = Assert.Throws<ArgumentException>(() => ReferenceAnswerQueries.ForStates(Ids("Q\n"), Ids("ab"), [0], [], Ids("1")));
        Assert.Contains("1 step indices for 2 response tokens", e.Message);
    }
}
