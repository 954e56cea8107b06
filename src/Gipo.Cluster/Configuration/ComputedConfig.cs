using System.Globalization;
using System.Text;
using System.Text.Json;
using Akka.Configuration;

namespace Gipo.Cluster.Configuration;

/// <summary>
/// The few Akka settings known only at run time (addresses, roles, seeds, connection strings, the run id), as a
/// config built from typed values instead of a HOCON template: every string is quoted, so a hostname or a password
/// can never change the structure. The defaults these sit on are in <see cref="AkkaReference"/>'s files.
/// </summary>
public static class ComputedConfig
{
    /// <summary>
    /// A config with each <c>Key</c> (a full dotted path) set to its value: a string (quoted), a bool (on/off), an
    /// integer, a double, a <see cref="TimeSpan"/> (whole milliseconds) or a list of strings.
    /// </summary>
    /// <exception cref="ArgumentException">A value of another type.</exception>
    public static Config Of(params (string Key, object Value)[] values)
    {
        var text = new StringBuilder();
        foreach (var (key, value) in values) text.Append(key).Append(" = ").Append(Render(key, value)).Append('\n');
        return ConfigurationFactory.ParseString(text.ToString());
    }

    private static string Render(string key, object value) => value switch
    {
        string s => JsonSerializer.Serialize(s), // a JSON string literal is a valid HOCON quoted string
        bool b => b ? "on" : "off",
        int or long => Convert.ToString(value, CultureInfo.InvariantCulture)!,
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        TimeSpan t => $"{(long)t.TotalMilliseconds}ms",
        IEnumerable<string> list => $"[{string.Join(", ", list.Select(item => JsonSerializer.Serialize(item)))}]",
        _ => throw new ArgumentException($"'{key}': a value of type {value.GetType().Name} has no HOCON form here"),
    };
}
