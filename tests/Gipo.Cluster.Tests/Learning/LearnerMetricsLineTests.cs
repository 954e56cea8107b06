using System.Text.Json.Nodes;
using Gipo.Cluster.Coordination;
using Gipo.Cluster.Learning;
using Gipo.Core.Algorithm.Objective;
using Gipo.Model.Learning;
using static Gipo.Cluster.Tests.Coordination.LedgerTestData;

namespace Gipo.Cluster.Tests.Learning;

/// <summary>The mechanism monitors of a learner step reach its <c>metrics.jsonl</c> line under their snake_case names.</summary>
public sealed class LearnerMetricsLineTests
{
    private static readonly PolicyLossMetrics Loss = new(0.1, 0.02, 0, 0.01, 0, 0, 1, 1, 0, 0);

    private static JsonObject Line(LearnerStepMetrics m) =>
        LearnerMetricsLine.Build(3, 3, m, new RunLedger(Settings()).Status, null, [], 0, 0, 1);

    [Fact]
    public void The_mechanism_monitors_are_written_with_undefined_values_as_null()
    {
        var line = Line(new LearnerStepMetrics
        {
            Loss = Loss, BucketAlpha = [0.05, 0], BucketNu = [0, 0.01], BucketUpper = [1.5, 0.9], EntropyTerm = -0.002,
            EntropyGradShare = 0.25, KlLoss = 0.02, CovSelectedTokens = 7, IbWithinGroupAuroc = 0.6, IbWithinGroupAurocGroups = 3,
            IbAurocByStep = [0.7, double.NaN], IbCreditFailing = -0.4, IbCreditSucceeding = 0.3, IbKlRate = 1.5, IbRho = 0.2,
        });

        Assert.Equal("[0,0.01]", line["bucket_nu"]!.ToJsonString());
        Assert.Equal("[1.5,0.9]", line["bucket_upper"]!.ToJsonString());
        Assert.Equal(-0.002, line["entropy_term"]!.GetValue<double>());
        Assert.Equal(0.25, line["entropy_grad_share"]!.GetValue<double>());
        Assert.Equal(0.02, line["kl_loss"]!.GetValue<double>());
        Assert.Equal(7, line["cov_selected_tokens"]!.GetValue<long>());
        Assert.Equal(0.6, line["ib_auroc_within_group"]!.GetValue<double>());
        Assert.Equal(3, line["ib_auroc_within_group_groups"]!.GetValue<int>());
        Assert.Equal("[0.7,null]", line["ib_auroc_by_step"]!.ToJsonString());
        Assert.Equal((-0.4, 0.3), (line["ib_credit_failing"]!.GetValue<double>(), line["ib_credit_succeeding"]!.GetValue<double>()));
        Assert.Equal(1.5, line["ib_kl_rate"]!.GetValue<double>());
        Assert.Equal(0.2, line["ib_rho"]!.GetValue<double>());
    }

    [Fact]
    public void Monitors_of_switched_off_mechanisms_are_null_but_present()
    {
        var line = Line(new LearnerStepMetrics { Loss = Loss });

        string[] keys = ["entropy_grad_share", "kl_loss", "cov_selected_tokens", "ib_auroc_within_group", "ib_credit_failing",
                         "ib_credit_succeeding", "ib_kl_rate"];
        Assert.All(keys, k => Assert.True(line.ContainsKey(k) && line[k] is null, k));
        Assert.Equal("[]", line["ib_auroc_by_step"]!.ToJsonString());
    }
}
