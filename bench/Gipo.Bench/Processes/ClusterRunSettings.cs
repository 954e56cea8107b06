namespace Gipo.Bench.Processes;

/// <summary>What a run across <c>gipo node</c> processes is made of.</summary>
/// <param name="GipoDll">The <c>gipo.dll</c> the nodes run.</param>
/// <param name="WorkDir">Logs, the shared runs folder and the cluster config go here.</param>
/// <param name="Postgres">The journal database every node uses.</param>
/// <param name="ClusterConfigFile">The nodes' Akka settings (hocon/cluster.conf); <paramref name="StableAfter"/> is laid over it.</param>
/// <param name="StableAfter">The split-brain resolver's stable-after: how long until an unreachable node is downed.</param>
/// <param name="Sets">Run settings (<c>--set key=value</c>) on top of <paramref name="Preset"/>.</param>
internal sealed record ClusterRunSettings(
    string GipoDll, string WorkDir, string Postgres, string BaseCheckpoint, string Preset, string ClusterConfigFile,
    int Steps, int GroupsPerStep, TimeSpan StableAfter, IReadOnlyList<string> Sets)
{
    /// <summary>A small fast run for chaos tests: tiny evaluations, short answers, checkpoints every 2 steps.</summary>
    public static IReadOnlyList<string> SmallRun { get; } =
    [
        "run.checkpoint-every=2", "run.eval-every=0", "run.eval-prompts=16", "run.eval-samples=1",
        "algorithm.batch.group-size=6", "algorithm.batch.max-new-tokens=48",
        "algorithm.optim.minibatches=2", "run.groups-per-lease=2",
    ];

    /// <summary>Akka settings (HOCON) laid over the cluster config after <see cref="StableAfter"/>: a scenario's own resolver, say.</summary>
    public string ClusterOverrides { get; init; } = "";
}
