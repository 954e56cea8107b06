using System.Text.RegularExpressions;

namespace Gipo.Core.Tokenization;

/// <summary>
/// The supported Hugging Face normalizers, applied in order to each stretch of text between added tokens:
/// <c>NFC</c>, <c>Prepend</c> (only to non-empty text) and <c>Replace</c>. An empty list is the identity, which
/// is what a <c>null</c> normalizer and an empty <c>Sequence</c> both mean.
/// </summary>
internal sealed class TextNormalizer
{
    private readonly IReadOnlyList<Step> steps;

    public TextNormalizer(IReadOnlyList<Step> steps) => this.steps = steps;

    public static TextNormalizer Identity { get; } = new([]);

    /// <summary>Whether some step rewrites text beyond canonical composition (Prepend or Replace).</summary>
    public bool RewritesText => this.steps.Any(s => s is not Nfc);

    public string Apply(string text)
    {
        foreach (var step in this.steps)
        {
            text = step.Apply(text);
        }

        return text;
    }

    /// <summary>One normalizer of the chain.</summary>
    internal abstract record Step
    {
        public abstract string Apply(string text);
    }

    /// <summary>Canonical composition (throws where the runtime cannot compose, see <see cref="NfcQuickCheck"/>).</summary>
    internal sealed record Nfc : Step
    {
        public override string Apply(string text) => NfcQuickCheck.Normalize(text);
    }

    /// <summary><c>Prepend</c>: Hugging Face leaves empty text empty.</summary>
    internal sealed record Prepend(string Prefix) : Step
    {
        public override string Apply(string text) => text.Length == 0 ? text : Prefix + text;
    }

    /// <summary><c>Replace</c>: every non-overlapping match, left to right, becomes <see cref="Content"/> (no substitutions).</summary>
    internal sealed record Replace(Regex Pattern, string Content) : Step
    {
        public override string Apply(string text) => Pattern.Replace(text, _ => Content);
    }
}
