using Gipo.Core.Algorithm.InformationBottleneck;
using Gipo.Core.Tokenization;
using Gipo.Model.Probe;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Gipo.Model.Tests.Probe;

public sealed class RefAnswerScorerTests
{
    private static readonly CharTokenizer Tok = CharTokenizer.Default;

    public RefAnswerScorerTests() => TestModels.Init();

    private static PolicyModel CharModel() =>
        TestModels.Random(TestModels.Config() with { VocabSize = Tok.VocabSize, MaxPositionEmbeddings = 128 }, seed: 11);

    private static int[] Ids(string text) => Tok.Encode(text).ToArray();

    /// <summary>A response cut at every newline, as the step segmenter cuts the synthetic tasks' responses.</summary>
    private static RefAnswerTrajectory Trajectory(string prompt, string response, string answer)
    {
        var ids = Ids(response);
        var stepOfToken = new int[ids.Length];
        for (int t = 0, step = 0; t < ids.Length; t++)
        {
            stepOfToken[t] = step;
            if (ids[t] == Tok.Encode("\n")[0]) step++;
        }
        return new RefAnswerTrajectory(Ids(prompt), ids, stepOfToken, answer);
    }

    /// <summary>The mean probability of <paramref name="scored"/> after <paramref name="context"/>, from one unbatched forward.</summary>
    private static double TeacherForced(PolicyModel model, string context, string scored, double temperature = 1.0)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var (c, s) = (Ids(context), Ids(scored));
        var input = tensor(c.Concat(s).Select(x => (long)x).ToArray()).unsqueeze(0);
        var logp = F.log_softmax(model.Forward(input).Logits[0] / temperature, -1);
        return s.Select((token, j) => Math.Exp(logp[c.Length - 1 + j, token].item<float>())).Average();
    }

    [Fact]
    public void Potentials_are_the_teacher_forced_mean_probability_of_answer_and_suffix_after_each_state()
    {
        using var model = CharModel();
        var scorer = new RefAnswerScorer(TestConfigs.Ib with { PhiSource = PhiSource.RefAnswerProb, RefAnswerMicrobatch = 2 }, Tok);
        var trajectories = new[]
        {
            Trajectory("Q:ADD 12 34\n", "2+4+0=6\n1+3+0=4\nA:46\n", "46"),
            Trajectory("Q:ADD 5 7\n", "5+7+0=12\nA:12\n", "12"),
        };

        var phi = scorer.Potentials(model, trajectories);

        // K = 3 and 2 states; five rows in microbatches of two, padded and reordered by length.
        Assert.Equal([3, 2], phi.Select(p => p.Length));
        Assert.Equal(TeacherForced(model, "Q:ADD 12 34\nA:", "46\n"), phi[0][0], 5);
        Assert.Equal(TeacherForced(model, "Q:ADD 12 34\n2+4+0=6\nA:", "46\n"), phi[0][1], 5);
        Assert.Equal(TeacherForced(model, "Q:ADD 12 34\n2+4+0=6\n1+3+0=4\nA:", "46\n"), phi[0][2], 5);
        Assert.Equal(TeacherForced(model, "Q:ADD 5 7\n5+7+0=12\nA:", "12\n"), phi[1][1], 5);
        Assert.All(phi.SelectMany(p => p), p => Assert.InRange(p, 0, 1));
        Assert.NotEqual(phi[0][1], phi[0][2]); // the potential moves with the state
    }

    [Fact]
    public void Temperature_and_template_are_those_of_the_settings()
    {
        using var model = CharModel();
        var config = TestConfigs.Ib with { PhiSource = PhiSource.RefAnswerProb, RefAnswerPrefix = "=> ", RefAnswerSuffix = "" };
        var phi = new RefAnswerScorer(config, Tok, temperature: 2.0).Potentials(model, [Trajectory("Q:ADD 5 7\n", "5+7+0=12\nA:12\n", "12")]);

        Assert.Equal(TeacherForced(model, "Q:ADD 5 7\n5+7+0=12\n=> ", "12", temperature: 2.0), phi[0][1], 5);
    }

    [Fact]
    public void Microbatching_does_not_change_the_potentials()
    {
        using var model = CharModel();
        var trajectories = new[]
        {
            Trajectory("Q:ADD 12 34\n", "2+4+0=6\n1+3+0=4\nA:46\n", "46"), Trajectory("Q:ADD 5 7\n", "5+7+0=12\nA:12\n", "12"),
            Trajectory("Q:ADD 12 34\n", "2+4+0=6\n1+3+0=5\nA:56\n", "46"), // shares its first two states with the first
        };
        double[][] Phi(int microbatch) =>
            new RefAnswerScorer(TestConfigs.Ib with { PhiSource = PhiSource.RefAnswerProb, RefAnswerMicrobatch = microbatch }, Tok)
            .Potentials(model, trajectories);

        var one = Phi(1).SelectMany(p => p).ToArray();
        var all = Phi(256);

        Assert.Equal(one, all.SelectMany(p => p), new ToleranceComparer(1e-5));
        Assert.Equal(all[0][..2], all[2][..2]); // a shared state is forwarded once and scored alike
        Assert.NotEqual(all[0][2], all[2][2]);
    }

    [Fact]
    public void Mean_token_probability_averages_only_the_masked_positions()
    {
        // Row 0: uniform over V = 4 at both positions → ¼. Row 1: position 0 puts p = e²/(e² + 3) on token 2; position 1 is masked out.
        using var logits = zeros(2, 2, 4);
        logits[1, 0, 2] = tensor(2f);
        logits[1, 1, 0] = tensor(50f);
        using var targets = tensor(new long[,] { { 0, 3 }, { 2, 1 } });
        using var mask = tensor(new float[,] { { 1, 1 }, { 1, 0 } });

        var p = RefAnswerScorer.MeanTokenProbability(logits, targets, mask).data<float>().ToArray();

        Assert.Equal(0.25, p[0], 6);
        Assert.Equal(Math.Exp(2) / (Math.Exp(2) + 3), p[1], 6);
    }

    [Fact]
    public void Scores_are_judged_by_the_trust_gate_like_the_probes()
    {
        var scorer = new RefAnswerScorer(TestConfigs.Ib with { PhiSource = PhiSource.RefAnswerProb, WarmupSteps = 0 }, Tok);
        // Intermediate states: success 0.9, 0.8 above failure 0.1 → AUROC 1; the prompt states (k = 0) are not judged.
        double[][] phi = [[0.0, 0.9, 0.8], [1.0, 0.1]];

        var result = scorer.Score(phi, [true, false], learnerStep: 3);

        Assert.Equal(1.0, result.BatchAuroc);
        Assert.Equal(0.9 * 0.5 + 0.1 * 1.0, result.AucEma, 12);
        Assert.Equal(0.0, result.Rho); // 0.55 is a₀: the gate opens only above it
        Assert.Equal((0.01 + 0.04 + 0.01) / 3, result.Brier!.Value, 12);
        Assert.Equal([0.9, 0.8], result.IntermediateScores(0));
        Assert.Equal(1, scorer.Gate.Observations);
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) <= tolerance;
        public int GetHashCode(double value) => 0;
    }
}
