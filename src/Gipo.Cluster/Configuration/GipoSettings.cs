using System.Globalization;
using Akka.Configuration;

namespace Gipo.Cluster.Configuration;

/// <summary>
/// Gipo's HOCON: the embedded defaults (<c>hocon/gipo.conf</c>), then an optional preset file, then
/// <c>--set key=value</c> overrides. Every key must exist in the defaults, so a typo is an error naming the key,
/// and typed reads name the key and the allowed values when a value is wrong.
/// </summary>
public sealed class GipoSettings
{
    private const string Root = "gipo";
    // Nested includes beyond this depth are refused (an include cycle would otherwise recurse without end).
    private const int MaxIncludeDepth = 16;
    private static readonly TimeSpan ParseLimit = TimeSpan.FromSeconds(10);
    private readonly Config config;
    private readonly Func<string, string> sourceOf;

    private GipoSettings(Config config, Func<string, string> sourceOf)
    {
        this.config = config;
        this.sourceOf = sourceOf;
    }

    /// <summary>The defaults shipped with this build.</summary>
    public static Config Defaults { get; } = ConfigurationFactory.ParseString(ReadDefaults());

    /// <summary>
    /// Loads <paramref name="presetPath"/> (or only the defaults when null) with <paramref name="overrides"/>
    /// (<c>key=value</c>, keys relative to <c>gipo.</c> or absolute) on top, and rejects unknown keys.
    /// </summary>
    public static GipoSettings Load(string? presetPath = null, IEnumerable<string>? overrides = null)
    {
        var layers = new List<(Config Config, string Source)>();
        if (presetPath is not null)
        {
            if (!File.Exists(presetPath)) throw new FileNotFoundException($"config file '{presetPath}' does not exist");
            layers.Add((ParseFile(presetPath, 0), presetPath));
        }
        layers.AddRange((overrides ?? []).Select(OverrideLayer));
        return new GipoSettings(Layer(Defaults, layers), SourceOf(layers, _ => presetPath ?? "defaults"));
    }

    /// <summary>
    /// These settings with <paramref name="overrides"/> (<c>key=value</c>, as for <see cref="Load"/>) on top, checked
    /// like <see cref="Load"/>'s; <paramref name="source"/> names the result in errors. Used for the settings in force
    /// after live changes (<see cref="SettingsInForce"/>).
    /// </summary>
    public GipoSettings With(IEnumerable<string> overrides, string source)
    {
        ArgumentNullException.ThrowIfNull(overrides);
        ArgumentException.ThrowIfNullOrEmpty(source);
        var layers = overrides.Select(OverrideLayer).ToList();
        return layers.Count == 0 ? this : new GipoSettings(Layer(config, layers), SourceOf([.. layers.Select(l => (l.Config, source))], sourceOf));
    }

    /// <summary>The full key of <paramref name="key"/>: <c>gipo.</c> is added when missing.</summary>
    public static string FullKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        key = key.Trim();
        return key.StartsWith(Root + ".", StringComparison.Ordinal) ? key : $"{Root}.{key}";
    }

    private static (Config Config, string Source) OverrideLayer(string o)
    {
        var eq = o.IndexOf('=');
        if (eq <= 0) throw new ArgumentException($"--set '{o}': expected key=value");
        var key = FullKey(o[..eq]);
        if (key.Any(c => char.IsWhiteSpace(c) || c is '"' or '{' or '}' or '[' or ']' or '=' or ':' or ',' or '#' or '$')
            || key.Contains("..", StringComparison.Ordinal) || key.EndsWith('.'))
            throw new ArgumentException($"--set {o}: '{key}' is not a key (keys are dotted names such as run.steps)");
        return (Parse($"{key} = {Quote(o[(eq + 1)..].Trim())}", $"--set {o}", null, 0), $"--set {o}");
    }

    // Unknown keys are refused before anything is merged, so a typo is one error naming the key.
    private static Config Layer(Config bottom, IReadOnlyList<(Config Config, string Source)> layers)
    {
        var known = Keys(Defaults).ToHashSet(StringComparer.Ordinal);
        foreach (var (layer, src) in layers)
        {
            var unknown = Keys(layer).Where(k => !known.Contains(k)).ToList();
            if (unknown.Count > 0)
                throw new ArgumentException($"{src}: unknown key(s) {string.Join(", ", unknown.Select(k => $"'{k}'{Suggest(k, known)}"))}");
        }
        var merged = bottom;
        foreach (var (layer, _) in layers) merged = layer.WithFallback(merged);
        return merged;
    }

    // An error in a value names the layer that set it: a bad --set value is not the config file's fault.
    private static Func<string, string> SourceOf(IReadOnlyList<(Config Config, string Source)> layers, Func<string, string> below)
    {
        var origin = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (layer, src) in layers)
            foreach (var key in Keys(layer)) origin[key] = src;
        return key => origin.TryGetValue(key, out var src) ? src : below(key);
    }

    /// <summary>The settings under <c>gipo.&lt;section&gt;</c>, for typed reads.</summary>
    public SettingsSection Section(string path) => new(config, $"{Root}.{path}", sourceOf);

    /// <summary>
    /// The keys under <c>gipo.&lt;section&gt;</c> alone, at their full paths: for a section that actors read from their
    /// actor system's config (<c>gipo.weights</c>), so the run's values, <c>--set</c> included, reach them.
    /// </summary>
    public Config SectionConfig(string section)
    {
        var prefix = $"{Root}.{section}.";
        var text = new System.Text.StringBuilder();
        foreach (var key in Keys(config).Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
            text.Append(key).Append(" = ").Append(System.Text.Json.JsonSerializer.Serialize(config.GetString(key))).Append('\n');
        return ConfigurationFactory.ParseString(text.ToString());
    }

    /// <summary>Every leaf key and its value, for logs and run manifests.</summary>
    public IReadOnlyDictionary<string, string> Flatten() =>
        Keys(config).Order(StringComparer.Ordinal).ToDictionary(k => k, k => config.GetString(k) ?? "");

    private static Config ParseFile(string path, int depth)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"config file '{path}' cannot be read: {e.Message}", e);
        }
        return Parse(text, path, Path.GetDirectoryName(Path.GetFullPath(path)), depth);
    }

    /// <summary>
    /// Checks <paramref name="text"/>'s syntax (<see cref="HoconSyntax"/>: errors with line and column), then lets Akka
    /// parse it with <c>include "file"</c> resolved against <paramref name="directory"/>. The Akka parse runs under a
    /// time limit as a second guard: its parser has looped forever on malformed text before.
    /// </summary>
    internal static Config Parse(string text, string source, string? directory, int depth)
    {
        var includes = HoconSyntax.Check(text, source);
        if (includes.Count > 0 && directory is null) throw new ArgumentException($"{source}: include is only allowed in a config file");
        if (depth > MaxIncludeDepth) throw new ArgumentException($"{source}: includes nested deeper than {MaxIncludeDepth} levels " +
                                                                 $"(an include cycle?)");
        var task = Task.Factory.StartNew(() =>
        {
            try
            {
                return ConfigurationFactory.ParseString(text, name => Include(name, source, directory!, depth));
            }
            catch (Exception e) when (e is ConfigurationException or FormatException or NullReferenceException or InvalidOperationException)
            {
                throw new ArgumentException($"{source}: not valid HOCON ({e.Message.Split('\n')[0]})", e);
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        if (Task.WaitAny([task], ParseLimit) < 0)
            throw new ArgumentException($"{source}: not valid HOCON (the parser did not finish within {ParseLimit.TotalSeconds:F0} s)");
        return task.GetAwaiter().GetResult();
    }

    private static Akka.Configuration.Hocon.HoconRoot Include(string name, string source, string directory, int depth)
    {
        var path = Path.IsPathRooted(name) ? name : Path.Combine(directory, name);
        if (!File.Exists(path)) throw new ArgumentException($"{source}: included file '{name}' does not exist (looked for {path})");
        return ParseFile(path, depth + 1).Root is { } root ? new Akka.Configuration.Hocon.HoconRoot(root)
            : throw new ArgumentException($"{source}: included file '{name}' is empty");
    }

    private static IEnumerable<string> Keys(Config c) =>
        c.Root.IsObject() ? Leaves(c.Root.GetObject(), "") : [];

    private static IEnumerable<string> Leaves(Akka.Configuration.Hocon.HoconObject obj, string prefix)
    {
        foreach (var (name, value) in obj.Items)
        {
            var path = prefix.Length == 0 ? name : $"{prefix}.{name}";
            if (value.IsObject()) foreach (var leaf in Leaves(value.GetObject(), path)) yield return leaf;
            else yield return path;
        }
    }

    private static string Suggest(string key, HashSet<string> known)
    {
        var leaf = key[(key.LastIndexOf('.') + 1)..];
        var near = known.Where(k => k.EndsWith("." + leaf, StringComparison.Ordinal) || Distance(k, key) <= 2).Take(3).ToList();
        return near.Count == 0 ? "" : $" (did you mean {string.Join(" or ", near.Select(n => $"'{n}'"))}?)";
    }

    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
            for (var j = 1; j <= b.Length; j++)
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
        return d[a.Length, b.Length];
    }

    private static string Quote(string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _) || value is "on" or "off" or "true" or "false"
            ? value
            : "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    private static string ReadDefaults()
    {
        using var stream = typeof(GipoSettings).Assembly.GetManifestResourceStream("Gipo.Cluster.gipo.conf")
            ?? throw new InvalidOperationException("embedded gipo.conf is missing from the build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
