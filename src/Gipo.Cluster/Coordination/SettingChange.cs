namespace Gipo.Cluster.Coordination;

/// <summary>One setting of a live change: its full HOCON key (<c>gipo.algorithm.optim.lr</c>) and its new value as text.</summary>
/// <param name="Key">The full key, <c>gipo.</c> included (<see cref="Configuration.GipoSettings.FullKey"/>).</param>
/// <param name="Value">The value as a <c>--set key=value</c> would give it.</param>
public sealed record SettingChange(string Key, string Value)
{
    /// <summary>The change as a <c>--set</c> override.</summary>
    public string Override => $"{Key}={Value}";
}
