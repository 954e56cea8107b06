using System.Text;
using System.Text.RegularExpressions;

namespace Gipo.Core.Tokenization;

/// <summary>
/// The Hugging Face decoders of SentencePiece-style vocabularies, applied in order to the list of token
/// strings and then joined: <c>Replace</c>, <c>ByteFallback</c>, <c>Fuse</c>, <c>Strip</c> and <c>Metaspace</c>.
/// </summary>
internal sealed class TokenDecoder
{
    private readonly IReadOnlyList<Step> steps;

    public TokenDecoder(IReadOnlyList<Step> steps) => this.steps = steps;

    public string Decode(List<string> tokens)
    {
        foreach (var step in this.steps)
        {
            tokens = step.Apply(tokens);
        }

        return string.Concat(tokens);
    }

    /// <summary>One decoder of the chain.</summary>
    internal abstract record Step
    {
        public abstract List<string> Apply(List<string> tokens);
    }

    /// <summary><c>Replace</c>: every match in each token becomes <see cref="Content"/>.</summary>
    internal sealed record Replace(Regex Pattern, string Content) : Step
    {
        public override List<string> Apply(List<string> tokens) => tokens.ConvertAll(t => Pattern.Replace(t, _ => Content));
    }

    /// <summary>
    /// <c>ByteFallback</c>: a run of <c>&lt;0xNN&gt;</c> tokens becomes the text its bytes spell, or one U+FFFD per
    /// byte when they are not valid UTF-8.
    /// </summary>
    internal sealed record ByteFallback : Step
    {
        private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

        public override List<string> Apply(List<string> tokens)
        {
            var output = new List<string>(tokens.Count);
            var bytes = new List<byte>();
            foreach (var token in tokens)
            {
                if (TryParseByte(token, out var value))
                {
                    bytes.Add(value);
                    continue;
                }

                Flush(bytes, output);
                output.Add(token);
            }

            Flush(bytes, output);
            return output;
        }

        private static bool TryParseByte(string token, out byte value)
        {
            value = 0;
            return token.Length == 6 && token.StartsWith("<0x", StringComparison.Ordinal) && token[5] == '>'
                && byte.TryParse(token.AsSpan(3, 2), System.Globalization.NumberStyles.AllowHexSpecifier, null, out value);
        }

        private static void Flush(List<byte> bytes, List<string> output)
        {
            if (bytes.Count == 0)
            {
                return;
            }

            try
            {
                output.Add(Strict.GetString([.. bytes]));
            }
            catch (DecoderFallbackException)
            {
                output.AddRange(Enumerable.Repeat("\uFFFD", bytes.Count));
            }

            bytes.Clear();
        }
    }

    /// <summary><c>Fuse</c>: all tokens become one.</summary>
    internal sealed record Fuse : Step
    {
        public override List<string> Apply(List<string> tokens) => [string.Concat(tokens)];
    }

    /// <summary><c>Strip</c>: up to <see cref="Start"/> leading and <see cref="Stop"/> trailing <see cref="Content"/> characters go from each
    /// token.</summary>
    internal sealed record Strip(char Content, int Start, int Stop) : Step
    {
        public override List<string> Apply(List<string> tokens) => tokens.ConvertAll(token =>
        {
            var from = 0;
            while (from < Start && from < token.Length && token[from] == Content)
            {
                from++;
            }

            var to = token.Length;
            for (var i = 0; i < Stop && to > from && token[to - 1] == Content; i++)
            {
                to--;
            }

            return token[from..to];
        });
    }

    /// <summary>
    /// <c>Metaspace</c>: the replacement character becomes a space, except in the first token when a space was
    /// prepended on the way in, where it is dropped.
    /// </summary>
    internal sealed record Metaspace(char Replacement, bool DropInFirstToken) : Step
    {
        public override List<string> Apply(List<string> tokens)
        {
            var output = new List<string>(tokens.Count);
            for (var i = 0; i < tokens.Count; i++)
            {
                output.Add(i == 0 && DropInFirstToken
                    ? tokens[i].Replace(Replacement.ToString(), "", StringComparison.Ordinal)
                    : tokens[i].Replace(Replacement, ' '));
            }

            return output;
        }
    }
}
