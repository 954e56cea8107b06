namespace Gipo.Cluster.Metrics;

/// <summary>What a <see cref="MetricValue"/> holds. The numeric values are the wire tags of <c>ml2</c>: never renumber.</summary>
public enum MetricKind : byte
{
    /// <summary>Undefined at this step (<c>null</c> in <c>metrics.jsonl</c>).</summary>
    Null = 0,

    /// <summary>A count or an index, written without a fraction.</summary>
    Integer = 1,

    /// <summary>A finite double.</summary>
    Real = 2,

    /// <summary>A flag (<c>calibrating</c>).</summary>
    Boolean = 3,

    /// <summary>A string (the values of <c>settings_changed</c>).</summary>
    Text = 4,

    /// <summary>An array of finite doubles, each possibly undefined (the per-bucket and per-step series).</summary>
    Reals = 5,

    /// <summary>Named values one level deep (<c>groups_dropped</c>, <c>settings_changed</c>); a member is never itself
    /// <see cref="Members"/>.</summary>
    Members = 6,
}
