using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Gipo.Core.Verification;

namespace Gipo.Core.Datasets;

/// <summary>
/// The verifier of a dataset run: turns a row's reference answer into the gold answer once, at load time (so a row
/// the verifier cannot use is an error naming its line), and scores responses against it. Never throws on responses.
/// </summary>
/// <param name="kind">Which scorer.</param>
/// <param name="method">For <see cref="DatasetVerifierKind.Gsm8k"/>: how the prediction is taken from the response.</param>
/// <param name="formatScore">For <see cref="DatasetVerifierKind.Gsm8k"/>: the score of an answer that is there but wrong.</param>
/// <param name="tolerance">For <see cref="DatasetVerifierKind.Numeric"/>: relative tolerance.</param>
/// <param name="answerPattern">
/// For exact, numeric and regex: a regular expression whose last match in the response (its first group when it has
/// one) is the prediction; empty = the whole response, trimmed. A reference answer that matches it is reduced the same way.
/// </param>
// A class, not a record: it caches compiled patterns, which a record's `with` would copy into a changed verifier.
public sealed class DatasetVerifier(
    DatasetVerifierKind kind, Gsm8kMethod method = Gsm8kMethod.Strict, double formatScore = 0.0,
    double tolerance = NumericAnswer.DefaultRelativeTolerance, string answerPattern = DatasetVerifier.DefaultAnswerPattern)
{
    /// <summary>The default <see cref="AnswerPattern"/>: the text after the last <c>#### </c>, GSM8K's answer line.</summary>
    public const string DefaultAnswerPattern = "#### (.*)";

    /// <summary>The verifier names of the settings, in the order of <see cref="DatasetVerifierKind"/>.</summary>
    public static IReadOnlyDictionary<string, DatasetVerifierKind> Names { get; } =
        new Dictionary<string, DatasetVerifierKind>(StringComparer.Ordinal)
    {
        ["gsm8k"] = DatasetVerifierKind.Gsm8k, ["math"] = DatasetVerifierKind.Math, ["exact"] = DatasetVerifierKind.Exact,
        ["numeric"] = DatasetVerifierKind.Numeric, ["regex"] = DatasetVerifierKind.Regex,
    };

    /// <summary>Which scorer.</summary>
    public DatasetVerifierKind Kind { get; } = kind;

    /// <summary>GSM8K: how the prediction is taken from the response.</summary>
    public Gsm8kMethod Method { get; } = method;

    /// <summary>GSM8K: the score of an answer that is there but wrong.</summary>
    public double FormatScore { get; } = formatScore;

    /// <summary>Numeric: relative tolerance.</summary>
    public double Tolerance { get; } = tolerance;

    /// <summary>Exact, numeric and regex: the pattern that takes the prediction from a response ("" = the whole response).</summary>
    public string AnswerPattern { get; } = answerPattern ?? throw new ArgumentNullException(nameof(answerPattern));

    // Model output can be long and patterns come from users: a runaway match must not stall a scorer.
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, Regex> goldPatterns = new(StringComparer.Ordinal);
    private Regex? answerRegex;

    /// <summary>Checks the settings: the tolerance and a pattern that compiles; throws naming the problem.</summary>
    public DatasetVerifier Validate()
    {
        if (!(Tolerance >= 0) || !double.IsFinite(Tolerance)) throw new ArgumentException($"numeric tolerance must be a finite number >= " +
                                                                                          $"0 (got {Tolerance})");
        if (FormatScore is < 0 or > 1) throw new ArgumentException($"format score must be in [0, 1] (got {FormatScore})");
        _ = AnswerRegex();
        return this;
    }

    /// <summary>
    /// The gold answer of a row whose reference answer field is <paramref name="reference"/>: GSM8K's number after
    /// <c>#### </c> (or the whole text without commas), MATH's boxed content (or the whole text), the answer pattern's
    /// capture for exact / numeric, the pattern itself for regex.
    /// </summary>
    /// <exception cref="ArgumentException">The verifier cannot use it (empty, not a number, not a valid regex); the message says why.</exception>
    public string Gold(string reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var gold = Kind switch
        {
            DatasetVerifierKind.Gsm8k => Gsm8kAnswer.Gold(reference) ?? reference.Replace(",", "").Trim(),
            DatasetVerifierKind.Math => MathAnswer.ExtractBoxed(reference)?.Trim() ?? reference.Trim(),
            DatasetVerifierKind.Exact or DatasetVerifierKind.Numeric => Predict(reference) ?? reference.Trim(),
            DatasetVerifierKind.Regex => reference.Trim(),
            _ => throw new ArgumentOutOfRangeException(nameof(Kind), Kind, "unknown verifier"),
        };
        if (gold.Length == 0) throw new ArgumentException("the reference answer is empty");
        if (Kind == DatasetVerifierKind.Numeric && !NumericAnswer.TryParse(gold, out _))
            throw new ArgumentException($"the reference answer {Excerpt.Of(gold)} is not a number (verifier numeric)");
        if (Kind == DatasetVerifierKind.Regex) _ = GoldPattern(gold);
        return gold;
    }

    /// <summary>Scores <paramref name="response"/> against <paramref name="gold"/> (a <see cref="Gold"/> result).</summary>
    public VerificationResult Verify(string response, string gold)
    {
        response ??= string.Empty;
        try
        {
            switch (Kind)
            {
                case DatasetVerifierKind.Gsm8k:
                    return Gsm8kAnswer.Verify(response, gold, Method, FormatScore);
                case DatasetVerifierKind.Math:
                    return MathAnswer.Verify(response, gold);
            }

            var prediction = Predict(response);
            if (prediction is null) return VerificationResult.Fail($"no answer matching {Excerpt.Of(AnswerPattern)}");
            return Kind switch
            {
                DatasetVerifierKind.Exact => prediction == gold
                    ? VerificationResult.Pass()
                    : VerificationResult.Fail($"answer {Excerpt.Of(prediction)} but expected {Excerpt.Of(gold)}"),
                DatasetVerifierKind.Numeric => NumericAnswer.Verify(prediction, gold, Tolerance),
                _ => GoldPattern(gold).IsMatch(prediction)
                    ? VerificationResult.Pass()
                    : VerificationResult.Fail($"answer {Excerpt.Of(prediction)} does not match {Excerpt.Of(gold)}"),
            };
        }
        catch (RegexMatchTimeoutException)
        {
            return VerificationResult.Fail("the answer pattern timed out on this response");
        }
    }

    /// <summary>The prediction of <see cref="AnswerPattern"/> in <paramref name="text"/>, trimmed; null when it does not match.</summary>
    public string? Predict(string text)
    {
        var regex = AnswerRegex();
        if (regex is null) return text.Trim();
        var matches = regex.Matches(text);
        if (matches.Count == 0) return null;
        var last = matches[^1];
        return (last.Groups.Count > 1 ? last.Groups[1].Value : last.Value).Trim();
    }

    private Regex? AnswerRegex()
    {
        if (AnswerPattern.Length == 0) return null;
        try
        {
            return answerRegex ??= new Regex(AnswerPattern, RegexOptions.CultureInvariant, MatchTimeout);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"answer pattern '{AnswerPattern}' is not a valid regular expression ({e.Message})", e);
        }
    }

    private Regex GoldPattern(string gold)
    {
        try
        {
            // The whole prediction must match, as an exact comparison would require.
            return goldPatterns.GetOrAdd(gold, g => new Regex($"^(?:{g})$", RegexOptions.CultureInvariant, MatchTimeout));
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"the reference answer '{Excerpt.Of(gold)}' is not a valid regular expression ({e.Message})", e);
        }
    }
}
