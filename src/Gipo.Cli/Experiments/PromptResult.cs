using System.Globalization;
using System.Text.Json;

namespace Gipo.Cli.Experiments;

/// <summary>
/// One line of <c>eval-&lt;split&gt;.jsonl</c> (<c>gipo eval --per-prompt</c>): a prompt's sample count, correct count,
/// pass@k, distinct correct solutions, greedy correctness and correctness at each token budget β·L_ref.
/// Every run evaluates the same prompts in the same order, which is what makes paired comparisons possible.
/// </summary>
internal sealed record PromptResult(
    int PromptIndex, string Prompt, int Samples, int Correct, IReadOnlyDictionary<int, double> PassAtK,
    double? DistinctCorrect, double? GreedyCorrect, IReadOnlyDictionary<double, double> BudgetCorrect, double? ResponseTokensMean)
{
    /// <summary>The file name of a split's per-prompt results.</summary>
    public static string FileName(string split) => $"eval-{split}.jsonl";

    /// <summary>Reads every line of <paramref name="path"/>; a malformed line throws naming file:line and the field.</summary>
    public static IReadOnlyList<PromptResult> ReadAll(string path) =>
        JsonLinesFile.Read(path, tolerateCutLastLine: false).Select(l => Parse(l.Value, $"{path}:{l.Line}")).ToList();

    private static PromptResult Parse(JsonElement o, string where)
    {
        var n = JsonFields.RequiredInt(o, "n", where);
        var correct = JsonFields.RequiredInt(o, "correct", where);
        if (n < 1 || correct < 0 || correct > n) throw new InvalidDataException($"{where}: correct = {correct} of n = {n} is impossible");
        var passAtK = new Dictionary<int, double>();
        foreach (var (key, value) in Entries(o, "pass_at_k", where))
            passAtK[int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var k) ? k
                : throw new InvalidDataException($"{where}: pass_at_k key '{key}' is not an integer k")] = value;
        var budgets = new Dictionary<double, double>();
        foreach (var (key, value) in Entries(o, "budget_correct", where))
            budgets[double.TryParse(key, NumberStyles.Float, CultureInfo.InvariantCulture, out var b) ? b
                : throw new InvalidDataException($"{where}: budget_correct key '{key}' is not a number β")] = value;
        return new PromptResult(
            JsonFields.RequiredInt(o, "prompt_index", where), JsonFields.OptionalString(o, "prompt", where) ?? "", n, correct, passAtK,
            JsonFields.OptionalDouble(o, "distinct_correct", where), JsonFields.OptionalDouble(o, "greedy_correct", where), budgets,
            JsonFields.OptionalDouble(o, "response_tokens_mean", where));
    }

    private static IEnumerable<(string Key, double Value)> Entries(JsonElement o, string field, string where)
    {
        if (JsonFields.Optional(o, field) is not { } map) yield break;
        if (map.ValueKind != JsonValueKind.Object) throw JsonFields.Bad(where, field, "an object");
        foreach (var p in map.EnumerateObject())
        {
            if (p.Value.ValueKind == JsonValueKind.Null) continue;
            if (p.Value.ValueKind != JsonValueKind.Number) throw JsonFields.Bad(where, $"{field}.{p.Name}", "a number");
            yield return (p.Name, p.Value.GetDouble());
        }
    }
}
