using System.Text;
using System.Text.Json;
using Gipo.Cluster.Configuration;
using Gipo.Model.Checkpoints;

namespace Gipo.Cluster.Runtime;

/// <summary>
/// The files of one run, <c>runs/&lt;id&gt;/</c>: the resolved configuration (<c>run.conf</c>, what a resume reads),
/// the journal and snapshots (<c>journal.db</c>, SQLite), checkpoints, the SFT warm start, the metrics log and plots, TensorBoard events
/// (<c>tb/</c>) and sample generations (<c>samples/</c>).
/// </summary>
public sealed record RunFolder(string Root)
{
    /// <summary>The run's id: the folder name.</summary>
    public string Id => Path.GetFileName(Path.TrimEndingDirectorySeparator(Root));

    /// <summary>Every setting of the run, resolved (defaults + preset + overrides), as HOCON.</summary>
    public string ConfigFile => Path.Combine(Root, "run.conf");

    /// <summary>The SQLite journal and snapshot store of the run's persistent actors.</summary>
    public string Database => Path.Combine(Root, "journal.db");

    /// <summary>Checkpoint folders <c>step-000010/</c>, ….</summary>
    public string Checkpoints => Path.Combine(Root, "checkpoints");

    /// <summary>Where the SFT warm start writes its checkpoint when the config names no base.</summary>
    public string Sft => Path.Combine(Root, "sft");

    /// <summary>The rollout log: every group each learner step trained on or saw dropped (<see cref="Rollouts.RolloutStore"/>).</summary>
    public string Rollouts => Path.Combine(Root, "rollouts");

    /// <summary>One JSON object per learner step.</summary>
    public string Metrics => Path.Combine(Root, "metrics.jsonl");

    /// <summary>TensorBoard event files (<c>tensorboard --logdir runs/&lt;id&gt;/tb</c>).</summary>
    public string TensorBoard => Path.Combine(Root, "tb");

    /// <summary>Sample generations of each evaluation, <c>step-NNNNNN.jsonl</c>.</summary>
    public string Samples => Path.Combine(Root, "samples");

    /// <summary>Whether a run was started here (its configuration is written first).</summary>
    public bool Exists => File.Exists(ConfigFile);

    /// <summary>The run folder <paramref name="idOrPath"/>: a path if it names an existing folder or contains a separator, else
    /// <c>runsDir/id</c>.</summary>
    public static RunFolder Resolve(string idOrPath, string runsDir = "runs")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(idOrPath);
        var isPath = Directory.Exists(idOrPath) || idOrPath.Contains(Path.DirectorySeparatorChar) || idOrPath.Contains('/');
        return new RunFolder(Path.GetFullPath(isPath ? idOrPath : Path.Combine(runsDir, idOrPath)));
    }

    /// <summary>Writes <paramref name="settings"/> as the run's configuration (atomically).</summary>
    public void WriteConfig(GipoSettings settings)
    {
        Directory.CreateDirectory(Root);
        AtomicFile.WriteText(ConfigFile, ConfigText(settings));
    }

    /// <summary>
    /// The text of <c>run.conf</c> for <paramref name="settings"/>: every leaf key with its resolved value, one per line,
    /// as HOCON that <see cref="GipoSettings.Load"/> reads back (<c>gipo train --print-config</c> prints the same).
    /// </summary>
    public static string ConfigText(GipoSettings settings)
    {
        var text = new StringBuilder("# The resolved settings of this run (written at its start; `gipo train --resume` reads them).\n");
        foreach (var (key, value) in settings.Flatten()) text.Append(key).Append(" = ").Append(JsonSerializer.Serialize(value, HoconString))
            .Append('\n');
        return text.ToString();
    }

    // A JSON string literal is a valid HOCON quoted string; relaxed escaping keeps '+', '<' and the like readable.
    private static readonly JsonSerializerOptions HoconString =
        new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The run's configuration, validated like any config file.</summary>
    public GipoSettings ReadConfig()
    {
        if (!Exists) throw new FileNotFoundException($"'{Root}' is not a run folder: it has no run.conf (start a run with gipo train first)");
        return GipoSettings.Load(ConfigFile);
    }
}
