namespace Gipo.Cluster.Metrics;

/// <summary>
/// One value of a <see cref="MetricsLine"/>: what <c>metrics.jsonl</c> can hold for a key, typed, so the message is
/// encoded field by field instead of carrying JSON text. Only the property of its <see cref="Kind"/> is meaningful.
/// Reals are finite (JSON has no NaN): an undefined number is <see cref="Null"/>, or a null entry of <see cref="Reals"/>.
/// </summary>
public sealed record MetricValue
{
    private MetricValue(MetricKind kind) => Kind = kind;

    /// <summary>Which of the properties below holds the value.</summary>
    public MetricKind Kind { get; }

    /// <summary>The value of an <see cref="MetricKind.Integer"/>.</summary>
    public long Integer { get; private init; }

    /// <summary>The value of a <see cref="MetricKind.Real"/>.</summary>
    public double Real { get; private init; }

    /// <summary>The value of a <see cref="MetricKind.Boolean"/>.</summary>
    public bool Boolean { get; private init; }

    /// <summary>The value of a <see cref="MetricKind.Text"/>.</summary>
    public string? Text { get; private init; }

    /// <summary>The entries of a <see cref="MetricKind.Reals"/>, null where undefined.</summary>
    public IReadOnlyList<double?>? Reals { get; private init; }

    /// <summary>The named values of a <see cref="MetricKind.Members"/>, in order.</summary>
    public IReadOnlyList<MetricEntry>? Members { get; private init; }

    /// <summary>The undefined value.</summary>
    public static MetricValue Null { get; } = new(MetricKind.Null);

    /// <summary>An integer.</summary>
    public static MetricValue Of(long value) => new(MetricKind.Integer) { Integer = value };

    /// <summary>A finite real.</summary>
    /// <exception cref="ArgumentException"><paramref name="value"/> is NaN or infinite.</exception>
    public static MetricValue Of(double value) => new(MetricKind.Real) { Real = Finite(value) };

    /// <summary>A flag.</summary>
    public static MetricValue Of(bool value) => new(MetricKind.Boolean) { Boolean = value };

    /// <summary>A string.</summary>
    public static MetricValue Of(string value) => new(MetricKind.Text) { Text = value ?? throw new ArgumentNullException(nameof(value)) };

    /// <summary>An array of finite reals, null where undefined.</summary>
    /// <exception cref="ArgumentException">An entry is NaN or infinite.</exception>
    public static MetricValue OfReals(IReadOnlyList<double?> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        foreach (var v in values)
            if (v is { } d) Finite(d);
        return new(MetricKind.Reals) { Reals = values };
    }

    /// <summary>Named values, none of them <see cref="MetricKind.Members"/> itself.</summary>
    /// <exception cref="ArgumentException">A member is itself a <see cref="MetricKind.Members"/>.</exception>
    public static MetricValue OfMembers(IReadOnlyList<MetricEntry> members)
    {
        ArgumentNullException.ThrowIfNull(members);
        if (members.FirstOrDefault(m => m.Value.Kind == MetricKind.Members) is { } nested)
            throw new ArgumentException(
                $"metrics value '{nested.Key}' nests members two levels deep; one level is the most a metrics line holds", nameof(members));
        return new(MetricKind.Members) { Members = members };
    }

    private static double Finite(double value) =>
        double.IsFinite(value)
            ? value
            : throw new ArgumentException($"a metrics value must be finite (got {value}); write an undefined value as null");
}
