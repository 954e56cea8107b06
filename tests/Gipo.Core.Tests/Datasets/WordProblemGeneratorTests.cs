using Gipo.Core.Datasets;
using Gipo.Core.Verification;

namespace Gipo.Core.Tests.Datasets;

public sealed class WordProblemGeneratorTests
{
    private static string Shipped(string name) => Path.Combine(AppContext.BaseDirectory, "examples", "word-problems", name);

    [Fact]
    public void The_shipped_example_files_are_what_the_generator_writes()
    {
        var (train, test) = WordProblemGenerator.Generate(WordProblemGenerator.DefaultTrainCount, WordProblemGenerator.DefaultTestCount,
                                                          WordProblemGenerator.DefaultSeed);
        Assert.Equal(File.ReadAllText(Shipped("train.jsonl")), WordProblemGenerator.ToJsonl(train));
        Assert.Equal(File.ReadAllText(Shipped("test.jsonl")), WordProblemGenerator.ToJsonl(test));
    }

    [Fact]
    public void Generation_is_deterministic_disjoint_and_every_worked_answer_is_right()
    {
        var (train, test) = WordProblemGenerator.Generate(300, 40, 5);
        var again = WordProblemGenerator.Generate(300, 40, 5);
        Assert.Equal(train, again.Train);
        Assert.Equal(test, again.Test);
        Assert.NotEqual(train, WordProblemGenerator.Generate(300, 40, 6).Train);
        Assert.Equal(340, train.Concat(test).Select(p => p.Question).Distinct().Count());

        foreach (var p in train.Concat(test))
        {
            var lines = p.Answer.Split('\n');
            foreach (var step in lines[..^1])
            {
                var (lhs, result) = (step.Split('=')[0], int.Parse(step.Split('=')[1]));
                var op = lhs.Contains('+') ? '+' : '-';
                var (a, b) = (int.Parse(lhs.Split(op)[0]), int.Parse(lhs.Split(op)[1]));
                Assert.Equal(op == '+' ? a + b : a - b, result);
                Assert.True(result >= 0, p.Answer);
                Assert.Contains(a.ToString(), p.Question + p.Answer);
            }

            var gold = Gsm8kAnswer.Gold(p.Answer);
            Assert.Equal(lines[^2].Split('=')[1], gold);
            Assert.True(Gsm8kAnswer.Verify(p.Answer, gold!).Correct);
        }
    }
}
