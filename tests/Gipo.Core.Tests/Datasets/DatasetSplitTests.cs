using Gipo.Core.Datasets;

namespace Gipo.Core.Tests.Datasets;

public sealed class DatasetSplitTests : IDisposable
{
    private readonly DatasetFiles files = new();

    public void Dispose() => files.Dispose();

    private string Rows(int count, string name = "rows.jsonl") =>
        files.Write(name, [.. Enumerable.Range(0, count).Select(i => $$"""{"prompt": "p{{i}}", "answer": "#### {{i}}"}""")]);

    [Fact]
    public void A_fraction_split_is_fixed_by_its_seed_disjoint_and_sized_by_the_fraction()
    {
        var path = Rows(50);
        var options = DatasetFiles.Options(path, testFraction: 0.2);
        var a = DatasetSplit.Load(options);
        var b = DatasetSplit.Load(options);
        Assert.Equal(10, a.Test.Count);
        Assert.Equal(40, a.Train.Count);
        Assert.Equal(a.Test.Select(r => r.Line), b.Test.Select(r => r.Line));
        Assert.Empty(a.Train.Select(r => r.Prompt).Intersect(a.Test.Select(r => r.Prompt)));
        var other = DatasetSplit.Load(options with { SplitSeed = 1 });
        Assert.NotEqual(a.Test.Select(r => r.Line), other.Test.Select(r => r.Line));
    }

    [Fact]
    public void A_test_file_is_the_held_out_side_and_duplicate_prompts_are_kept_once()
    {
        var train = files.Write("train.jsonl", """{"prompt": "a", "answer": "#### 1"}""", """{"prompt": "a", "answer": "#### 2"}""",
                                """{"prompt": "b", "answer": "#### 3"}""");
        var test = files.Write("test.jsonl", """{"prompt": "c", "answer": "#### 4"}""");
        var split = DatasetSplit.Load(DatasetFiles.Options(train, test));
        Assert.Equal(["a", "b"], split.Train.Select(r => r.Prompt));
        Assert.Equal("1", split.Train[0].Gold); // the first of the duplicates
        Assert.Equal(["c"], split.Test.Select(r => r.Prompt));
    }

    [Fact]
    public void Missing_files_and_bad_settings_name_the_key()
    {
        Assert.Equal("'gipo.dataset.train' is empty: name a JSONL or Parquet file of rows (run.task = dataset)",
            Assert.Throws<ArgumentException>(() => DatasetSplit.Load(DatasetFiles.Options(""))).Message);
        Assert.StartsWith("'gipo.dataset.test' = '/no/such.jsonl': no such file",
            Assert.Throws<ArgumentException>(() => DatasetSplit.Load(DatasetFiles.Options(Rows(3), "/no/such.jsonl"))).Message);
        Assert.StartsWith("'gipo.dataset.template' = 'Q:' must contain {prompt}",
            Assert.Throws<ArgumentException>(() => DatasetSplit.Load(DatasetFiles.Options(Rows(3), template: "Q:"))).Message);
        Assert.StartsWith("'gipo.dataset.test-fraction' = 0 must be in (0, 1)",
            Assert.Throws<ArgumentException>(() => DatasetSplit.Load(DatasetFiles.Options(Rows(3), testFraction: 0))).Message);
        Assert.Contains("1 distinct prompt(s)",
                        Assert.Throws<DatasetFormatException>(() => DatasetSplit.Load(DatasetFiles.Options(Rows(1, "one.jsonl")))).Message);
    }
}
