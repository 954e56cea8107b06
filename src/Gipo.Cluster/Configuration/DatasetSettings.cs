using Gipo.Core.Datasets;
using Gipo.Core.Verification;

namespace Gipo.Cluster.Configuration;

/// <summary>Reads the <c>gipo.dataset</c> section (the files, fields, template, chat format and verifier of <c>run.task = dataset</c>).</summary>
public static class DatasetSettings
{
    private static readonly IReadOnlyDictionary<string, ChatFormat> ChatFormats = new Dictionary<string, ChatFormat>(StringComparer.Ordinal)
    {
        ["none"] = ChatFormat.None, ["auto"] = ChatFormat.Auto, ["chatml"] = ChatFormat.ChatMl, ["llama3"] = ChatFormat.Llama3,
    };

    private static readonly IReadOnlyDictionary<string, Gsm8kMethod> Gsm8kMethods = new Dictionary<string, Gsm8kMethod>(StringComparer.Ordinal)
    {
        ["strict"] = Gsm8kMethod.Strict, ["flexible"] = Gsm8kMethod.Flexible, ["boxed"] = Gsm8kMethod.Boxed,
    };

    /// <summary>Reads and validates <c>gipo.dataset</c> (not the files: <see cref="DatasetSplit.Load"/> reads those); errors name the key.</summary>
    public static DatasetOptions Read(GipoSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var s = settings.Section("dataset");
        var kind = s.Choice("verifier", DatasetVerifier.Names);
        var pattern = s.String("answer-pattern");
        DatasetVerifier verifier;
        try
        {
            verifier = new DatasetVerifier(kind, s.Choice("gsm8k-method", Gsm8kMethods), s.Double("format-score", 0, 1),
                s.Double("numeric-tolerance", 0, 1), pattern).Validate();
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"'gipo.dataset.answer-pattern' = '{pattern}': {e.Message}", e);
        }

        return new DatasetOptions(
            s.String("train"), s.String("test"), s.Double("test-fraction", 0, 1), s.Int("split-seed"),
            NonEmpty(s, "prompt-field"), NonEmpty(s, "answer-field"), s.String("solution-field"), s.EscapedString("template"),
            s.Choice("chat-format", ChatFormats), s.EscapedString("system-prompt"), verifier);
    }

    private static string NonEmpty(SettingsSection s, string key)
    {
        var value = s.String(key);
        return value.Length > 0 ? value : throw new ArgumentException($"'gipo.dataset.{key}' must name a field of the rows (it is empty)");
    }
}
