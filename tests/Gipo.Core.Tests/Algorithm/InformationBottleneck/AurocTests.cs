using Gipo.Core.Algorithm.InformationBottleneck;

namespace Gipo.Core.Tests.Algorithm.InformationBottleneck;

public class AurocTests
{
    [Fact]
    public void All_scores_tied_is_one_half()
    {
        Assert.Equal(0.5, Auroc.Compute([0.5, 0.5, 0.5, 0.5], [true, false, true, false]));
    }

    [Fact]
    public void Perfect_ranking_is_one_and_reversed_is_zero()
    {
        Assert.Equal(1.0, Auroc.Compute([0.1, 0.2, 0.8, 0.9], [false, false, true, true]));
        Assert.Equal(0.0, Auroc.Compute([0.9, 0.8, 0.2, 0.1], [false, false, true, true]));
    }

    [Fact]
    public void A_tie_across_classes_counts_one_half()
    {
        // Ranks: 0.1 → 1, the two 0.4s → 2.5 each, 0.8 → 4. Positives {0.4, 0.8}: Σrank = 6.5, minus 2·3/2 = 3,
        // over 2·2 pairs = 0.875 — the pairs (0.4 > 0.1), (0.4 = 0.4: ½), (0.8 > 0.1), (0.8 > 0.4).
        Assert.Equal([1, 2.5, 2.5, 4], Auroc.AverageRanks([0.1, 0.4, 0.4, 0.8]));
        Assert.Equal(0.875, Auroc.Compute([0.1, 0.4, 0.4, 0.8], [false, true, false, true]));
    }

    [Fact]
    public void One_class_only_has_no_auroc()
    {
        Assert.Null(Auroc.Compute([0.1, 0.9], [true, true]));
        Assert.Null(Auroc.Compute([0.1, 0.9], [false, false]));
        Assert.Null(Auroc.Compute([], []));
    }

    [Fact]
    public void Equals_the_pairwise_probability_on_random_tied_scores()
    {
        var rng = new Random(7);
        for (var c = 0; c < 200; c++)
        {
            var n = rng.Next(2, 40);
            // Scores on a coarse grid, so ties are frequent.
            var scores = Enumerable.Range(0, n).Select(_ => Math.Round(rng.NextDouble() * 5) / 5).ToArray();
            var labels = Enumerable.Range(0, n).Select(_ => rng.Next(2) == 1).ToArray();
            var expected = PairwiseAuc(scores, labels);

            var auc = Auroc.Compute(scores, labels);

            if (expected is null) Assert.Null(auc);
            else Assert.Equal(expected.Value, auc!.Value, 12);
        }
    }

    private static double? PairwiseAuc(double[] scores, bool[] labels)
    {
        double wins = 0, pairs = 0;
        for (var i = 0; i < scores.Length; i++)
            for (var j = 0; j < scores.Length; j++)
                if (labels[i] && !labels[j])
                {
                    pairs++;
                    wins += scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0;
                }
        return pairs == 0 ? null : wins / pairs;
    }
}
