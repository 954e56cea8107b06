using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gipo.Cluster.Metrics;

/// <summary>
/// The TensorBoard scalars of one <c>metrics.jsonl</c> line: every numeric (or boolean, as 0/1) value under a namespaced
/// tag, the way veRL and TRL name theirs. docs/metrics.md has the table. The namespace comes from the key:
/// <c>actor/</c> the policy update, <c>rollout/</c> the generated batch and the ledger's counts, <c>gsec/</c> the
/// group-sequential entropy control, <c>ib/</c> the probe (key without its <c>ib_</c> prefix), <c>eval/</c> the held-out
/// evaluation (without <c>eval_</c>), <c>system/</c> throughput and timings. An array becomes one tag per entry
/// (<c>gsec/bucket_entropy/0</c>, …), an object one per member (<c>rollout/groups_dropped/stale</c>); a null is not
/// written (undefined at that step). A key added later that no rule names lands under <c>other/</c>.
/// </summary>
public static class TensorBoardTags
{
    private static readonly HashSet<string> Actor = new(StringComparer.Ordinal)
    {
        "policy_version", "pg_loss", "clip_frac_high", "clip_frac_low", "is_weight_mean_abs_dev", "token_entropy", "kl_loss",
        "cov_selected_tokens", "grad_norm",
    };

    private static readonly HashSet<string> Rollout = new(StringComparer.Ordinal)
    {
        "reward_mean", "success_rate", "response_length", "staleness_mean", "staleness_max", "samples_total", "samples_generated",
        "tokens_generated",
    };

    private static readonly HashSet<string> Gsec = new(StringComparer.Ordinal) { "calibrating", "entropy_term", "entropy_grad_share" };

    private static readonly HashSet<string> SystemKeys = new(StringComparer.Ordinal)
    {
        "samples_per_second", "samples_per_second_recent", "run_seconds", "sampler_busy_fraction", "learner_wait_seconds", "learner_idle_fraction",
        "learner_seconds",
        "prox_seconds", "ppo_seconds", "seconds",
    };

    /// <summary>The tag of top-level key <paramref name="key"/> (for arrays and objects, the prefix of their entries' tags).</summary>
    public static string TagOf(string key) => key switch
    {
        _ when Actor.Contains(key) => "actor/" + key,
        _ when Rollout.Contains(key) || key.StartsWith("groups_", StringComparison.Ordinal) => "rollout/" + key,
        _ when Gsec.Contains(key) || key.StartsWith("bucket_", StringComparison.Ordinal) => "gsec/" + key,
        _ when key.StartsWith("ib_", StringComparison.Ordinal) => "ib/" + key["ib_".Length..],
        _ when key.StartsWith("eval_", StringComparison.Ordinal) => "eval/" + key["eval_".Length..],
        _ when SystemKeys.Contains(key) => "system/" + key,
        _ => "other/" + key,
    };

    /// <summary>The scalars of <paramref name="line"/>, in the line's key order; <c>step</c> is the event's step, not a scalar.</summary>
    public static IReadOnlyList<(string Tag, double Value)> Scalars(JsonObject line)
    {
        var scalars = new List<(string, double)>();
        foreach (var (key, value) in line)
        {
            if (key == "step") continue;
            Add(scalars, TagOf(key), value);
        }
        return scalars;
    }

    /// <summary>
    /// A finite number or a boolean (1/0) as a double, whatever backs the node (a parsed element or a CLR value such as
    /// a <c>long</c>, which <c>TryGetValue&lt;double&gt;</c> refuses); null for anything else.
    /// </summary>
    internal static double? Number(JsonNode? node) => node is JsonValue v
        ? v.GetValueKind() switch
        {
            JsonValueKind.Number when double.TryParse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
                && double.IsFinite(d) => d,
            JsonValueKind.True => 1,
            JsonValueKind.False => 0,
            _ => null,
        }
        : null;

    private static void Add(List<(string, double)> scalars, string tag, JsonNode? node)
    {
        switch (node)
        {
            case JsonValue v:
                if (Number(v) is { } d) scalars.Add((tag, d));
                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++) Add(scalars, $"{tag}/{i}", a[i]);
                break;
            case JsonObject o:
                foreach (var (name, member) in o) Add(scalars, $"{tag}/{name}", member);
                break;
        }
    }
}
