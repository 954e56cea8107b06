using System.Text.Json;
using System.Text.Json.Serialization;
using Gipo.Cluster.Coordination;
using Gipo.Core.Algorithm;

namespace Gipo.Cluster.Tests.Coordination;

/// <summary>Builders shared by the coordination tests.</summary>
internal static class LedgerTestData
{
    public static readonly DateTime T0 = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    public static LedgerSettings Settings(
        int groupsPerStep = 2, int groupSize = 4, int maxStaleness = 1, int maxConcurrent = 8, long promptCount = 5,
        ulong runSeed = 42, double leaseSeconds = 30, bool dynamicSampling = false, long targetSteps = 0, int maxGenRounds = 0,
        int maxEmptyRounds = 0) =>
        new(groupsPerStep, groupSize, maxStaleness, maxConcurrent, promptCount, runSeed, TimeSpan.FromSeconds(leaseSeconds), dynamicSampling,
            targetSteps,
            maxGenRounds, maxEmptyRounds);

    /// <summary>A valid scored group of <paramref name="rewards"/>.Length samples generated at <paramref name="version"/>.</summary>
    public static ScoredGroup Group(long groupId, long version, params double[] rewards)
    {
        var members = new List<Trajectory>();
        var scores = new List<OutcomeScore>();
        for (var j = 0; j < rewards.Length; j++)
        {
            var id = groupId * 1000 + j;
            members.Add(new Trajectory(id, groupId, $"p{groupId}", j, [1, 2, 3], [4, 5], [-0.5f, -0.25f], version, FinishReason.Eos));
            scores.Add(new OutcomeScore(id, rewards[j], rewards[j] > 0, rewards[j] > 0 ? "correct" : "wrong"));
        }
        return new ScoredGroup(groupId, $"p{groupId}", members, scores, "42");
    }

    /// <summary>An informative outcome of G samples at <paramref name="version"/>.</summary>
    public static GroupOutcome Outcome(long version, int samples = 4, bool informative = true) =>
        new(version, informative, samples, informative ? 0.5 : 0.0);

    /// <summary>Structural JSON of a value, for deep equality of records holding lists.</summary>
    public static string Json(object? value) => JsonSerializer.Serialize(value, value?.GetType() ?? typeof(object), JsonOptions);

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        IncludeFields = true,
    };
}
