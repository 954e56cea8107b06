using System.Globalization;
using Akka.Configuration.Hocon;

namespace Gipo.Cli.Experiments;

/// <summary>
/// Typed reads of one object of an experiment plan. It remembers which keys were read, so that after a section is read
/// <see cref="RejectUnknownKeys"/> can name every key nobody asked for: a misspelt key must not silently fall back to a
/// default in an experiment whose results are meant to be pre-registered.
/// </summary>
internal sealed class PlanSection(HoconObject obj, string path, string source)
{
    private readonly HashSet<string> read = new(StringComparer.Ordinal);

    /// <summary>The full key of <paramref name="name"/> in this section, as error messages show it.</summary>
    public string Key(string name) => path.Length == 0 ? name : $"{path}.{name}";

    public bool Has(string name) => obj.Items.ContainsKey(name);

    /// <summary>The names of this section's keys, in file order.</summary>
    public IReadOnlyList<string> Names => [.. obj.Items.Keys];

    public string String(string name, string? fallback = null)
    {
        var value = Value(name, fallback is not null);
        if (value is null) return fallback!;
        if (value.IsObject() || value.IsArray()) throw Error(name, "must be a string");
        return value.GetString() ?? "";
    }

    public int Int(string name, int min, int max, int? fallback = null)
    {
        var raw = Scalar(name, fallback?.ToString(CultureInfo.InvariantCulture));
        return ParseInt(raw, min, max) ?? throw Error(name, $"= '{raw}' must be an integer in [{min}, {max}]");
    }

    public double Double(string name, double min, double max, double? fallback = null)
    {
        var raw = Scalar(name, fallback?.ToString("R", CultureInfo.InvariantCulture));
        return ParseDouble(raw, min, max) ?? throw Error(name, $"= '{raw}' must be a number in [{min}, {max}]");
    }

    public IReadOnlyList<string> Strings(string name, IReadOnlyList<string>? fallback = null)
    {
        var items = Array(name, fallback is not null);
        if (items is null) return fallback!;
        return [.. items.Select((v, i) => v.IsObject() || v.IsArray() ? throw Error(name, $"item {i} must be a string") : v.GetString() ?? "")];
    }

    public IReadOnlyList<int> Ints(string name, int min, int max, IReadOnlyList<int>? fallback = null)
    {
        var items = Array(name, fallback is not null);
        if (items is null) return fallback!;
        return [.. items.Select(v => ParseInt(v.GetString(), min, max) ?? throw Error(name, $"item '{v.GetString()}' must be an " +
                                                                                            $"integer in [{min}, {max}]"))];
    }

    public IReadOnlyList<double> Doubles(string name, double min, double max, IReadOnlyList<double>? fallback = null)
    {
        var items = Array(name, fallback is not null);
        if (items is null) return fallback!;
        return [.. items.Select(v => ParseDouble(v.GetString(), min, max) ?? throw Error(name, $"item '{v.GetString()}' must be a " +
                                                                                               $"number in [{min}, {max}]"))];
    }

    /// <summary>The object under <paramref name="name"/>; an empty section when it is absent and optional.</summary>
    public PlanSection Section(string name, bool required = false)
    {
        var value = Value(name, !required);
        if (value is null) return new PlanSection(new HoconObject(), Key(name), source);
        if (!value.IsObject()) throw Error(name, "must be an object { … }");
        return new PlanSection(value.GetObject(), Key(name), source);
    }

    /// <summary>Fails naming every key of this section that was never read (with the keys that are allowed).</summary>
    public void RejectUnknownKeys()
    {
        var unknown = obj.Items.Keys.Where(k => !read.Contains(k)).ToList();
        if (unknown.Count > 0)
            throw new ArgumentException($"{source}: unknown key(s) {string.Join(", ", unknown.Select(k => $"'{Key(k)}'"))}" +
                                        (read.Count > 0 ? $" (allowed here: {string.Join(", ", read.Order(StringComparer.Ordinal))})" : ""));
    }

    /// <summary>An error about the key <paramref name="name"/> of this section.</summary>
    public ArgumentException Error(string name, string problem) => new($"{source}: '{Key(name)}' {problem}");

    private HoconValue? Value(string name, bool optional)
    {
        read.Add(name);
        if (obj.Items.TryGetValue(name, out var value)) return value;
        return optional ? null : throw new ArgumentException($"{source}: missing key '{Key(name)}'");
    }

    private string Scalar(string name, string? fallback)
    {
        var value = Value(name, fallback is not null);
        if (value is null) return fallback!;
        if (value.IsObject() || value.IsArray()) throw Error(name, "must be a single value");
        return value.GetString() ?? "";
    }

    private IList<HoconValue>? Array(string name, bool optional)
    {
        var value = Value(name, optional);
        if (value is null) return null;
        if (!value.IsArray()) throw Error(name, "must be a list [ … ]");
        return value.GetArray();
    }

    private static int? ParseInt(string? raw, int min, int max) =>
        int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max ? v : null;

    private static double? ParseDouble(string? raw, double min, double max) =>
        double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) && v >= min && v <= max ? v : null;
}
