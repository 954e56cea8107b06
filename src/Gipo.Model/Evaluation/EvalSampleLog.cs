using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gipo.Core.Tasks;
using Gipo.Model.Checkpoints;

namespace Gipo.Model.Evaluation;

/// <summary>
/// <c>samples/step-NNNNNN.jsonl</c>: a sample of an evaluation's generations, so a user can read what the model
/// writes. One JSON object per line: <c>step</c>, <c>prompt_index</c>, <c>sample_index</c>, <c>prompt</c>,
/// <c>response</c>, <c>answer</c> (the reference), <c>reward</c> (the verifier's score), <c>correct</c>,
/// <c>response_tokens</c>. The sample takes the first draw of each prompt in order, then the second, and so on, so it
/// spreads over prompts; the same evaluation gives the same file.
/// </summary>
public static class EvalSampleLog
{
    private static readonly JsonSerializerOptions Line = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The file name of step <paramref name="step"/>'s sample: <c>step-000010.jsonl</c>.</summary>
    public static string FileName(long step) => $"step-{step:D6}.jsonl";

    /// <summary>Up to <paramref name="count"/> lines from <paramref name="outcomes"/>, scored again by <paramref name="task"/> for the
    /// reward.</summary>
    public static IReadOnlyList<JsonObject> Select(IReadOnlyList<PromptOutcome> outcomes, IReasoningTask task, int count, long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var lines = new List<JsonObject>();
        var draws = outcomes.Count == 0 ? 0 : outcomes.Max(o => o.Responses.Count);
        for (var s = 0; s < draws && lines.Count < count; s++)
        for (var p = 0; p < outcomes.Count && lines.Count < count; p++)
        {
            var o = outcomes[p];
            if (s >= o.Responses.Count) continue;
            var verdict = task.Verify(o.Problem, o.Responses[s]);
            lines.Add(new JsonObject
            {
                ["step"] = step,
                ["prompt_index"] = p,
                ["sample_index"] = s,
                ["prompt"] = o.Problem.Prompt,
                ["response"] = o.Responses[s],
                ["answer"] = o.Problem.Answer,
                ["reward"] = verdict.Score,
                ["correct"] = o.Correct[s],
                ["response_tokens"] = o.TokenIds[s].Length,
            });
        }
        return lines;
    }

    /// <summary>Writes the lines to <c>directory/step-NNNNNN.jsonl</c> atomically (created or replaced whole); returns the path.</summary>
    public static string Write(string directory, long step, IReadOnlyList<JsonObject> lines)
    {
        Directory.CreateDirectory(directory);
        var text = new StringBuilder();
        foreach (var line in lines) text.Append(line.ToJsonString(Line)).Append('\n');
        var path = Path.Combine(directory, FileName(step));
        AtomicFile.WriteText(path, text.ToString());
        return path;
    }

    /// <summary>Deletes the files of steps after <paramref name="step"/> (a resume trains those steps again); returns how many.</summary>
    public static int Prune(string directory, long step)
    {
        if (!Directory.Exists(directory)) return 0;
        var deleted = 0;
        foreach (var file in Directory.GetFiles(directory, "step-*.jsonl"))
        {
            var digits = Path.GetFileNameWithoutExtension(file)["step-".Length..];
            if (long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var s) && s > step)
            {
                File.Delete(file);
                deleted++;
            }
        }
        return deleted;
    }
}
