using System.Globalization;
using Akka.Configuration;

namespace Gipo.Cluster.Configuration;

/// <summary>Typed, validated reads of one HOCON section; errors name the full key and what is allowed.</summary>
public sealed class SettingsSection(Config config, string path, Func<string, string> sourceOf)
{
    private string Key(string name) => $"{path}.{name}";

    private string Source(string name) => sourceOf(Key(name));

    private string Raw(string name) =>
        config.HasPath(Key(name)) ? config.GetString(Key(name)) : throw new ArgumentException($"{Source(name)}: missing key '{Key(name)}'");

    public int Int(string name, int min = int.MinValue, int max = int.MaxValue)
    {
        var raw = Raw(name);
        if (!int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) || v < min || v > max)
            throw new ArgumentException($"{Source(name)}: '{Key(name)}' = '{raw}' must be an integer in [{min}, {max}]");
        return v;
    }

    /// <summary>
    /// An integer in [<paramref name="min"/>, <paramref name="max"/>], or null for the word <c>auto</c> (the caller
    /// derives the value). <paramref name="maxMeaning"/> says where the upper bound comes from, for the error.
    /// </summary>
    public int? IntOrAuto(string name, int min, int max, string maxMeaning)
    {
        var raw = Raw(name);
        if (raw == "auto") return null;
        if (!int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) || v < min || v > max)
            throw new ArgumentException($"{Source(name)}: '{Key(name)}' = '{raw}' must be auto or an integer in [{min}, {max}] ({maxMeaning})");
        return v;
    }

    public double Double(string name, double min = double.NegativeInfinity, double max = double.PositiveInfinity)
    {
        var raw = Raw(name);
        if (!double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v) || v < min || v > max)
            throw new ArgumentException($"{Source(name)}: '{Key(name)}' = '{raw}' must be a number in [{min}, {max}]");
        return v;
    }

    /// <summary>A finite number greater than zero (a bound no closed range [min, max] states).</summary>
    public double PositiveDouble(string name)
    {
        var raw = Raw(name);
        if (!double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v) || v <= 0)
            throw new ArgumentException($"{Source(name)}: '{Key(name)}' = '{raw}' must be a number greater than zero");
        return v;
    }

    /// <summary>A size in bytes (<c>256KiB</c>, <c>1MiB</c>, <c>65536</c>) in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public long ByteSize(string name, long min, long max)
    {
        var raw = Raw(name);
        long? bytes;
        try
        {
            bytes = config.GetByteSize(Key(name), null);
        }
        catch (Exception e) when (e is FormatException or OverflowException or ConfigurationException or ArgumentException)
        {
            bytes = null;
        }
        if (bytes is not { } v || v < min || v > max)
            throw new ArgumentException($"{Source(name)}: '{Key(name)}' = '{raw}' must be a size in [{min}, {max}] bytes (e.g. 256KiB)");
        return v;
    }

    /// <summary>A finite duration (<c>5s</c>, <c>250ms</c>) greater than zero.</summary>
    public TimeSpan PositiveDuration(string name)
    {
        var raw = Raw(name);
        TimeSpan? duration;
        try
        {
            duration = config.GetTimeSpan(Key(name), null, allowInfinite: false);
        }
        catch (Exception e) when (e is FormatException or OverflowException or ConfigurationException or ArgumentException)
        {
            duration = null;
        }
        if (duration is not { } v || v <= TimeSpan.Zero)
            throw new ArgumentException($"{Source(name)}: '{Key(name)}' = '{raw}' must be a duration greater than zero (e.g. 5s, 250ms)");
        return v;
    }

    public bool Bool(string name)
    {
        var raw = Raw(name);
        return raw switch
        {
            "on" or "true" or "yes" => true,
            "off" or "false" or "no" => false,
            _ => throw new ArgumentException($"{Source(name)}: '{Key(name)}' = '{raw}' must be on or off"),
        };
    }

    public string String(string name) => Raw(name);

    /// <summary>
    /// A string with C escapes decoded (<c>\\n</c> in the file is a newline): HOCON strings may not keep a bare
    /// newline, so texts such as step delimiters are written escaped.
    /// </summary>
    public string EscapedString(string name)
    {
        var raw = Raw(name);
        try
        {
            return System.Text.RegularExpressions.Regex.Unescape(raw);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{Source(name)}: '{Key(name)}' = '{raw}' has a bad escape ({e.Message})", e);
        }
    }

    /// <summary>One of <paramref name="allowed"/> (HOCON spelling) mapped to its value.</summary>
    public T Choice<T>(string name, IReadOnlyDictionary<string, T> allowed)
    {
        var raw = Raw(name);
        return allowed.TryGetValue(raw, out var v)
            ? v
            : throw new ArgumentException($"{Source(name)}: '{Key(name)}' = '{raw}' is not one of {string.Join(", ", allowed.Keys)}");
    }
}
