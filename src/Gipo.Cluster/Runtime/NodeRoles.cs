namespace Gipo.Cluster.Runtime;

/// <summary>The roles a Gipo node can take (docs/architecture.md, "Cluster").</summary>
public static class NodeRoles
{
    /// <summary>Hosts the run ledger singleton (<c>RunCoordinator</c>).</summary>
    public const string Coordinator = "coordinator";

    /// <summary>Hosts the learner (the entropy scheduler inside it), weight store and metrics sink singletons.</summary>
    public const string Learner = "learner";

    /// <summary>Runs samplers that generate groups.</summary>
    public const string Sampler = "sampler";

    /// <summary>Runs a reward scorer (outcome verifier).</summary>
    public const string Scorer = "scorer";

    /// <summary>Every role: the single-process default.</summary>
    public static IReadOnlyList<string> All { get; } = [Coordinator, Learner, Sampler, Scorer];

    /// <summary>Parses a comma list such as <c>coordinator,learner</c>; an unknown or empty role is an error naming the allowed ones.</summary>
    public static IReadOnlyList<string> Parse(string roles)
    {
        var parsed = roles.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(r => r.ToLowerInvariant()).Distinct().ToList();
        if (parsed.Count == 0) throw new ArgumentException($"no roles given; allowed: {string.Join(", ", All)}");
        foreach (var r in parsed)
            if (!All.Contains(r)) throw new ArgumentException($"unknown role '{r}'; allowed: {string.Join(", ", All)}");
        return parsed;
    }
}
