namespace Gipo.Cli.Experiments;

/// <summary>A task's warm start, ready for RL: its identity, its folder and its checkpoint.</summary>
/// <param name="Hash">SHA-256 of the canonical SFT settings and task (built) or of the checkpoint's files (reused).</param>
/// <param name="Folder">Its <c>sft/&lt;task&gt;-&lt;hash12&gt;</c> folder (with <c>sft.json</c>).</param>
/// <param name="Checkpoint">The HF checkpoint the runs start from (<c>--base</c>).</param>
/// <param name="PassAt1">Its pass@1 on the SFT eval split; null for a reused checkpoint.</param>
public sealed record SftWarmStartResult(string Task, string Hash, string Folder, string Checkpoint, double? PassAt1);
