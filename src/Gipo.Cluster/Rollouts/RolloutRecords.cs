using System.Text.Json.Nodes;
using Gipo.Cluster.Coordination;
using Gipo.Core.Algorithm;
using Gipo.Model.Learning;

namespace Gipo.Cluster.Rollouts;

/// <summary>
/// The lines of the rollout log (schema <see cref="RolloutStore.SchemaVersion"/>; field by field in
/// docs/architecture.md, "Rollout log"). A learner step writes one <c>"kind": "step"</c> line, then one
/// <c>"kind": "group"</c> line per group it trained on (<c>"status": "consumed"</c>, in training order) and per dropped
/// group the coordinator handed over (<c>"status": "dropped"</c> with <c>"drop_reason"</c>). A group line holds what
/// the learner had: prompt, each response's tokens, text, behaviour log-probs and version, reward, success, the
/// outcome advantage, the per-token advantages and the IB credit per reasoning step. Numbers are written in their
/// shortest round-trip form, so <see cref="ToScoredGroup"/> gives back the exact group the learner trained on.
/// </summary>
public static class RolloutRecords
{
    /// <summary>Group line <c>status</c> of a group the learner trained on.</summary>
    public const string Consumed = "consumed";

    /// <summary>Group line <c>status</c> of a group the ledger dropped.</summary>
    public const string Dropped = "dropped";

    /// <summary>The step line: what the step was, and what the replay of it must reproduce.</summary>
    /// <param name="step">The learner step (1 for the first).</param>
    /// <param name="batchPolicyVersion">The version the ledger measured the batch's staleness against.</param>
    /// <param name="paramsSha256">SHA-256 of the policy's parameters after the step (the published weight blob's).</param>
    /// <param name="torchThreads">Intra-op threads the step ran with: a CPU replay needs the same reduction order.</param>
    public static JsonObject Step(long step, long batchPolicyVersion, IReadOnlyList<ScoredGroup> batch, IReadOnlyList<DroppedGroup> dropped,
        LearnerStepMetrics metrics, string paramsSha256, int torchThreads, long learnerSeed) => new()
    {
        ["schema"] = RolloutStore.SchemaVersion,
        ["kind"] = "step",
        ["step"] = step,
        ["policy_version"] = metrics.PolicyVersion,
        ["batch_policy_version"] = batchPolicyVersion,
        ["groups"] = new JsonArray([.. batch.Select(g => JsonValue.Create(g.GroupId))]),
        ["dropped"] = new JsonArray([.. dropped.Select(d => JsonValue.Create(d.Group.GroupId))]),
        ["token_entropy"] = Finite(metrics.TokenEntropy),
        ["bucket_entropy"] = Numbers(metrics.BucketEntropy),
        ["pg_loss"] = Finite(metrics.Loss.PgLoss),
        ["grad_norm"] = Finite(metrics.GradNorm),
        ["params_sha256"] = paramsSha256,
        ["torch_threads"] = torchThreads,
        ["learner_seed"] = learnerSeed,
    };

    /// <summary>
    /// The lines of the groups of one step: <paramref name="batch"/> (trained, in training order, with their slices of
    /// <paramref name="trace"/> when there is one) and <paramref name="dropped"/>.
    /// </summary>
    public static IEnumerable<JsonObject> Groups(long step, IReadOnlyList<ScoredGroup> batch, IReadOnlyList<long> promptIndexes,
        AdvantageTrace? trace, IReadOnlyList<DroppedGroup> dropped, Func<int[], string> decode)
    {
        var row = 0;
        for (var g = 0; g < batch.Count; g++)
        {
            var promptIndex = g < promptIndexes.Count ? promptIndexes[g] : -1;
            yield return Group(step, batch[g], promptIndex, Consumed, null, trace, row, decode);
            row += batch[g].Members.Count;
        }
        foreach (var d in dropped) yield return Group(step, d.Group, d.PromptIndex, Dropped, d.Reason.Name(), null, 0, decode);
    }

    private static JsonObject Group(long step, ScoredGroup group, long promptIndex, string status, string? reason, AdvantageTrace? trace, int row,
        Func<int[], string> decode)
    {
        var prompt = group.Members[0].PromptTokens;
        var members = new JsonArray();
        for (var i = 0; i < group.Members.Count; i++)
        {
            var t = group.Members[i];
            var s = group.Scores[i];
            var m = new JsonObject
            {
                ["trajectory_id"] = t.TrajectoryId,
                ["index"] = t.IndexInGroup,
                ["response_text"] = decode(t.ResponseTokens),
                ["response_tokens"] = Ints(t.ResponseTokens),
                ["behaviour_logprobs"] = new JsonArray([.. t.BehaviourLogProbs.Select(x => JsonValue.Create(x))]),
                ["behaviour_version"] = t.BehaviourVersion,
                ["finish"] = t.Finish.ToString().ToLowerInvariant(),
                ["reward"] = s.Reward,
                ["success"] = s.Success,
                ["verdict"] = s.Reason,
            };
            // Members of one group share the prompt; one that does not carries its own.
            if (!t.PromptTokens.AsSpan().SequenceEqual(prompt)) m["prompt_tokens"] = Ints(t.PromptTokens);
            if (trace is not null)
            {
                m["advantage"] = Finite(trace.Outcome[row + i]);
                m["token_advantages"] = new JsonArray([.. trace.Tokens[row + i].Select(x => float.IsFinite(x) ? JsonValue.Create(x) : null)]);
                m["ib_step_credit"] = trace.IbStepCredit is { } credit ? Numbers(credit[row + i]) : null;
            }
            members.Add(m);
        }
        return new JsonObject
        {
            ["schema"] = RolloutStore.SchemaVersion,
            ["kind"] = "group",
            ["step"] = step,
            ["status"] = status,
            ["drop_reason"] = reason,
            ["group_id"] = group.GroupId,
            ["prompt_id"] = group.PromptId,
            ["prompt_index"] = promptIndex,
            ["behaviour_version"] = group.MinVersion,
            ["reference_answer"] = group.ReferenceAnswer,
            ["prompt_text"] = decode(prompt),
            ["prompt_tokens"] = Ints(prompt),
            ["rewards"] = new JsonArray([.. group.Scores.Select(s => JsonValue.Create(s.Reward))]),
            ["success"] = new JsonArray([.. group.Scores.Select(s => JsonValue.Create(s.Success))]),
            ["members"] = members,
        };
    }

    /// <summary>
    /// The group a group line records, exactly as the learner had it (tokens, log-probs, versions, rewards).
    /// </summary>
    /// <param name="where">Names the line in errors (file and line number).</param>
    /// <exception cref="InvalidDataException">A field is missing or of the wrong type.</exception>
    public static ScoredGroup ToScoredGroup(JsonObject line, string where)
    {
        try
        {
            var groupId = line["group_id"]!.GetValue<long>();
            var promptId = line["prompt_id"]!.GetValue<string>();
            var prompt = IntArray(line["prompt_tokens"]!);
            var members = new List<Trajectory>();
            var scores = new List<OutcomeScore>();
            foreach (var node in line["members"]!.AsArray())
            {
                var m = node!.AsObject();
                var id = m["trajectory_id"]!.GetValue<long>();
                var finishText = m["finish"]!.GetValue<string>();
                if (!Enum.TryParse<FinishReason>(finishText, ignoreCase: true, out var finish))
                    throw new InvalidDataException($"{where}: trajectory {id} has finish '{finishText}'");
                members.Add(new Trajectory(id, groupId, promptId, m["index"]!.GetValue<int>(),
                    m["prompt_tokens"] is { } own ? IntArray(own) : prompt,
                    IntArray(m["response_tokens"]!),
                    [.. m["behaviour_logprobs"]!.AsArray().Select(x => x!.GetValue<float>())],
                    m["behaviour_version"]!.GetValue<long>(), finish));
                scores.Add(new OutcomeScore(id, m["reward"]!.GetValue<double>(), m["success"]!.GetValue<bool>(),
                                            m["verdict"]?.GetValue<string>() ?? ""));
            }
            var group = new ScoredGroup(groupId, promptId, members, scores, line["reference_answer"]?.GetValue<string>());
            return group.Validate();
        }
        catch (Exception e) when (e is NullReferenceException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw new InvalidDataException($"{where}: not a complete group record ({e.Message})", e);
        }
    }

    private static int[] IntArray(JsonNode node) => [.. node.AsArray().Select(x => x!.GetValue<int>())];

    private static JsonArray Ints(int[] values) => new([.. values.Select(x => JsonValue.Create(x))]);

    private static JsonArray Numbers(double[] values) => new([.. values.Select(Finite)]);

    private static JsonValue? Finite(double v) => double.IsFinite(v) ? JsonValue.Create(v) : null;
}
