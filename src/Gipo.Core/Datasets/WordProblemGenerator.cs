using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Gipo.Core.Tasks;

namespace Gipo.Core.Datasets;

/// <summary>
/// The example dataset's generator (<c>gipo dataset example</c>, <c>examples/word-problems/</c>): short word problems
/// with one or two additions / subtractions of small numbers, answered GSM8K-style with a worked line per operation
/// and <c>#### &lt;number&gt;</c>. Small on purpose: a from-scratch policy of a few hundred thousand parameters learns
/// them in minutes on two cores. Deterministic: the same seed gives the same files on any machine.
/// </summary>
public static class WordProblemGenerator
{
    /// <summary>Training rows of the shipped example.</summary>
    public const int DefaultTrainCount = 2000;

    /// <summary>Held-out rows of the shipped example.</summary>
    public const int DefaultTestCount = 200;

    /// <summary>Seed of the shipped example.</summary>
    public const int DefaultSeed = 12;

    // Short sentences: the prompt is most of each sequence a policy reads, so its length sets the training cost.
    private static readonly string[] People = ["Ann", "Ben", "Cara", "Dan", "Eve", "Finn", "Gus", "Hana"];

    private static readonly string[] Things = ["apples", "pens", "books", "coins", "shells", "cards", "stamps", "marbles"];

    private static readonly JsonSerializerOptions Json = new()
    {
        // Keep + and ' readable in the files (the default encoder writes them as \u002B and \u0027).
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
    };

    /// <summary>
    /// <paramref name="trainCount"/> training and <paramref name="testCount"/> held-out problems with distinct
    /// questions, drawn from <c>new Random(seed)</c>. Train and test are disjoint: a question is held out when the
    /// FNV-1a hash of its text is 0 mod 10 (<see cref="SplitPartition"/>, as for the built-in tasks).
    /// </summary>
    public static (IReadOnlyList<WordProblem> Train, IReadOnlyList<WordProblem> Test) Generate(int trainCount, int testCount, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(trainCount);
        ArgumentOutOfRangeException.ThrowIfNegative(testCount);
        var rng = new Random(seed);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var train = new List<WordProblem>(trainCount);
        var test = new List<WordProblem>(testCount);
        // The problem space holds tens of thousands of questions; this bound only stops a request far beyond it.
        for (var draws = 0; train.Count < trainCount || test.Count < testCount; draws++)
        {
            if (draws > 100 * (trainCount + testCount) + 10_000)
                throw new InvalidOperationException($"fewer than {trainCount} + {testCount} distinct word problems");
            var problem = Draw(rng);
            if (!seen.Add(problem.Question)) continue;
            var side = SplitPartition.IsHeldOut(problem.Question) ? test : train;
            if (side.Count < (side == test ? testCount : trainCount)) side.Add(problem);
        }

        return (train, test);
    }

    /// <summary>One problem.</summary>
    public static WordProblem Draw(Random rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var name = People[rng.Next(People.Length)];
        var thing = Things[rng.Next(Things.Length)];
        switch (rng.Next(4))
        {
            case 0:
            {
                int a = rng.Next(2, 21), b = rng.Next(1, 21);
                return Worked($"{name} has {a} {thing} and gets {b} more. How many now?", (a, '+', b));
            }
            case 1:
            {
                var a = rng.Next(5, 31);
                var b = rng.Next(1, a);
                return Worked($"{name} has {a} {thing} and gives away {b}. How many are left?", (a, '-', b));
            }
            case 2:
            {
                var other = People[rng.Next(People.Length)];
                if (other == name) other = People[(Array.IndexOf(People, name) + 1) % People.Length];
                int a = rng.Next(2, 21), b = rng.Next(1, 21);
                return Worked($"{name} has {a} {thing}. {other} has {b}. How many in all?", (a, '+', b));
            }
            default:
            {
                int a = rng.Next(2, 21), b = rng.Next(1, 16);
                var c = rng.Next(1, a + b);
                return Worked($"{name} has {a} {thing}, gets {b} more, then gives away {c}. How many now?",
                    (a, '+', b), (a + b, '-', c));
            }
        }
    }

    /// <summary>The rows as JSONL (<c>{"question": …, "answer": …}</c> per line, <c>\n</c> line ends).</summary>
    public static string ToJsonl(IEnumerable<WordProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        var text = new StringBuilder();
        foreach (var p in problems) text.Append(JsonSerializer.Serialize(p, Json)).Append('\n');
        return text.ToString();
    }

    private static WordProblem Worked(string question, params (int A, char Op, int B)[] steps)
    {
        var lines = new StringBuilder();
        var result = 0;
        foreach (var (a, op, b) in steps)
        {
            result = op == '+' ? a + b : a - b;
            lines.Append($"{a}{op}{b}={result}\n");
        }

        return new WordProblem(question, $"{lines}#### {result}");
    }
}
