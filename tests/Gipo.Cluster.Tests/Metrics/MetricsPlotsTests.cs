using Gipo.Cluster.Metrics;

namespace Gipo.Cluster.Tests.Metrics;

public sealed class MetricsPlotsTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("gipo-plots-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static readonly byte[] PngMagic = [0x89, (byte)'P', (byte)'N', (byte)'G'];

    [Fact]
    public void Train_log_renders_every_figure_as_a_png_and_tolerates_a_torn_last_line()
    {
        var log = Path.Combine(dir, "metrics.jsonl");
        var lines = Enumerable.Range(0, 12).Select(i =>
            $$"""{"step":{{i}},"reward_mean":{{0.3 + i * 0.02}},"eval_pass_at_1":{{(i % 4 == 0
                ? (0.4 + i * 0.01).ToString(System.Globalization.CultureInfo.InvariantCulture)
                    : "null")}},"token_entropy":0.1,"bucket_entropy":[0.2,null,0.1],"bucket_target":[0.15,0.1,0.05],"bucket_alpha":[0.01,0,""" +
                             $$"""0],"bucket_nu":[0,0.02,0],"entropy_term":-0.001,"entropy_grad_share":0.05,"ib_auroc":""" +
                             $$"""0.6,"ib_auroc_within_group":0.55,"ib_auroc_by_step":[0.5,null,0.7],"ib_credit_failing":""" +
                             $$"""-0.3,"ib_credit_succeeding":0.2,"ib_sign_flip":0.02,"ib_auc_ema":0.55,"ib_rho":0.1,"clip_frac_high":""" +
                             $$"""0.01,"clip_frac_low":0.0,"is_weight_mean_abs_dev":0.0}""")
            .Append("""{"step":12,"reward_me""");
        File.WriteAllLines(log, lines);

        var files = MetricsPlots.RenderTrain(log, dir);
        Assert.Equal(11, files.Count);
        Assert.All(files, f =>
        {
            var bytes = File.ReadAllBytes(f);
            Assert.True(bytes.Length > 5000, $"{f} is only {bytes.Length} bytes");
            Assert.Equal(PngMagic, bytes[..4]);
        });
        Assert.Empty(Directory.GetFiles(dir, ".*tmp*")); // atomic writes leave no temp files
    }

    [Fact]
    public void A_corrupt_line_in_the_middle_is_reported_with_its_number()
    {
        var log = Path.Combine(dir, "sft.jsonl");
        File.WriteAllLines(log, ["""{"step":1,"loss":2.0}""", "not json", """{"step":3,"loss":1.0}"""]);
        var e = Assert.Throws<InvalidDataException>(() => MetricsPlots.RenderSft(log, dir));
        Assert.Contains("sft.jsonl:2", e.Message);
    }
}
