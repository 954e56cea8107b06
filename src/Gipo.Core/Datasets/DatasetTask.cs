using Gipo.Core.Tasks;
using Gipo.Core.Verification;

namespace Gipo.Core.Datasets;

/// <summary>
/// A task over a user's dataset (<c>run.task = dataset</c>): the rows of a <see cref="DatasetSplit"/> rendered as
/// prompts (template, then chat format), the row's solution as the worked solution for SFT, and the configured
/// <see cref="DatasetVerifier"/> as the reward. The SFT and RL training splits draw from the training rows; the
/// held-out splits (and <c>ood</c>: a dataset has no out-of-distribution part) from the test rows.
/// </summary>
public sealed class DatasetTask : IReasoningTask
{
    /// <summary>The value of <c>gipo.run.task</c> that selects a dataset.</summary>
    public const string TaskName = "dataset";

    private readonly IReadOnlyList<Problem> train;
    private readonly IReadOnlyList<Problem> test;
    private readonly Dictionary<string, string> solutions = new(StringComparer.Ordinal);
    private readonly DatasetVerifier verifier;

    /// <summary>Renders the rows of <paramref name="split"/> in <paramref name="format"/> (already resolved from
    /// <see cref="ChatFormat.Auto"/>).</summary>
    /// <exception cref="DatasetFormatException">A row has chat messages and <paramref name="format"/> is <see cref="ChatFormat.None"/>.</exception>
    public DatasetTask(DatasetSplit split, DatasetOptions options, ChatFormat format)
    {
        ArgumentNullException.ThrowIfNull(split);
        ArgumentNullException.ThrowIfNull(options);
        if (format == ChatFormat.Auto) throw new ArgumentException("resolve chat format auto from the checkpoint first", nameof(format));
        verifier = options.Verifier;
        Format = format;
        train = Render(split.Train, options, format);
        test = Render(split.Test, options, format);
    }

    /// <inheritdoc />
    public string Name => TaskName;

    /// <summary>The chat format the prompts are rendered in.</summary>
    public ChatFormat Format { get; }

    /// <summary>The rendered training problems, in file order.</summary>
    public IReadOnlyList<Problem> Train => train;

    /// <summary>The rendered held-out problems, in file order.</summary>
    public IReadOnlyList<Problem> Test => test;

    /// <summary>The prompt text of <paramref name="row"/>: the template, then the chat format.</summary>
    public static string RenderPrompt(DatasetRow row, DatasetOptions options, ChatFormat format)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(options);
        if (row.Prompt is { } text)
        {
            var filled = options.Template.Replace(DatasetOptions.PromptPlaceholder, text, StringComparison.Ordinal);
            return format == ChatFormat.None ? filled : ChatPrompt.Render(format, WithSystem([new ChatMessage("user", filled)], options));
        }

        if (format == ChatFormat.None)
            throw new DatasetFormatException(row.File, row.Line,
                $"prompt field '{options.PromptField}' holds chat messages, but the base checkpoint has no chat template; " +
                $"set gipo.dataset.chat-format = chatml or llama3");
        return ChatPrompt.Render(format, WithSystem(row.Messages!, options));
    }

    /// <inheritdoc />
    public Problem Generate(Split split, Random rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var problems = Of(split);
        return problems[rng.Next(problems.Count)];
    }

    /// <inheritdoc />
    /// <remarks>
    /// A dataset has a fixed number of prompts: asking for more than the split holds gives all of them, shuffled. Rows
    /// are distinct as written in the file (<see cref="DatasetSplit"/>); two that render to the same text both stay.
    /// </remarks>
    public IReadOnlyList<Problem> Sample(Split split, int count, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var problems = Of(split).ToArray();
        new Random(seed).Shuffle(problems);
        return problems.Length <= count ? problems : problems[..count];
    }

    /// <inheritdoc />
    public IReadOnlyList<string> Solve(Problem problem, Random rng)
    {
        ArgumentNullException.ThrowIfNull(problem);
        return solutions.TryGetValue(problem.Prompt, out var solution)
            ? [solution]
            : throw new ArgumentException($"not a prompt of this dataset: {Excerpt.Of(problem.Prompt)}", nameof(problem));
    }

    /// <inheritdoc />
    public VerificationResult Verify(Problem problem, string response)
    {
        ArgumentNullException.ThrowIfNull(problem);
        return verifier.Verify(response ?? string.Empty, problem.Answer);
    }

    /// <inheritdoc />
    /// <remarks>Every correct response has the gold answer as its canonical form: the verifiers look at the final answer only.</remarks>
    public string? Canonical(Problem problem, string response) => Verify(problem, response).Correct ? problem.Answer : null;

    private IReadOnlyList<Problem> Of(Split split)
    {
        var problems = split switch
        {
            Split.SftTrain or Split.RlTrain => train,
            Split.SftTest or Split.RlTest or Split.Ood => test,
            _ => throw new ArgumentOutOfRangeException(nameof(split), split, "unknown split"),
        };
        return problems.Count > 0 ? problems : throw new InvalidOperationException($"the dataset has no {split} rows");
    }

    private List<Problem> Render(IReadOnlyList<DatasetRow> rows, DatasetOptions options, ChatFormat format)
    {
        var problems = new List<Problem>(rows.Count);
        foreach (var row in rows)
        {
            // Rows are distinct as written; two that render alike (the same text as a string and as one user message)
            // both stay, so the run's prompt count is the row count, known before the chat format is.
            var prompt = RenderPrompt(row, options, format);
            solutions.TryAdd(prompt, row.Solution);
            problems.Add(new Problem($"{TaskName}/{StableHash.Fnv1a64(prompt):x16}", prompt, row.Gold,
                new Dictionary<string, string> { ["source"] = row.Where, ["reference"] = row.Reference }));
        }

        return problems;
    }

    private static IReadOnlyList<ChatMessage> WithSystem(IReadOnlyList<ChatMessage> messages, DatasetOptions options) =>
        options.SystemPrompt.Length == 0 || messages is [{ Role: "system" }, ..]
            ? messages
            : [new ChatMessage("system", options.SystemPrompt), .. messages];
}
