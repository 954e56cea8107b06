using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Gipo.Core.Tasks;

/// <summary>One Countdown step <c>Left Op Right=Result</c>, as written by a model (not necessarily legal).</summary>
/// <param name="Left">Left operand.</param>
/// <param name="Op">One of <c>+ - * /</c>.</param>
/// <param name="Right">Right operand.</param>
/// <param name="Result">The claimed result.</param>
public sealed record CountdownStep(long Left, char Op, long Right, long Result)
{
    // Model output can hold arbitrarily long digit runs; 15 digits keep every product exact in Int128 and in long.
    private const int MaxDigits = 15;

    /// <summary>The step line, e.g. <c>50+25=75</c>.</summary>
    public override string ToString() => $"{Left}{Op}{Right}={Result}";

    /// <summary>The line with the operands of <c>+</c> and <c>*</c> in ascending order, so commuted steps compare equal.</summary>
    public string CanonicalText =>
        Op is '+' or '*' && Left > Right ? new CountdownStep(Right, Op, Left, Result).ToString() : ToString();

    /// <summary>
    /// The value of <c>Left Op Right</c> under Countdown rules, or <see langword="null"/> with a reason when the
    /// operation is illegal: a negative difference, a division with remainder, or a division by zero.
    /// </summary>
    public static long? Evaluate(long left, char op, long right, out string? illegal)
    {
        illegal = null;
        Int128 value = op switch
        {
            '+' => (Int128)left + right,
            '-' => (Int128)left - right,
            '*' => (Int128)left * right,
            '/' when right == 0 => Illegal("division by zero", out illegal),
            '/' when left % right != 0 => Illegal("division with remainder", out illegal),
            '/' => left / right,
            _ => Illegal($"unknown operator '{op}'", out illegal),
        };
        if (illegal is not null)
        {
            return null;
        }

        if (value < 0)
        {
            illegal = "negative result";
            return null;
        }

        if (value > long.MaxValue)
        {
            illegal = "result too large";
            return null;
        }

        return (long)value;
    }

    /// <summary>Parses <c>a op b=c</c> with non-negative integer operands (the result may carry a minus sign).</summary>
    public static bool TryParse(string line, [NotNullWhen(true)] out CountdownStep? step)
    {
        step = null;
        var equals = line.IndexOf('=');
        if (equals < 0 || !TryParseNumber(line[(equals + 1)..], allowSign: true, out var result))
        {
            return false;
        }

        // The operator is the first non-digit after the left operand; skipping index 0 keeps "-3+4" from parsing as "" - "3+4".
        var lhs = line[..equals];
        if (lhs.Length < 3)
        {
            return false;
        }

        var opIndex = lhs.AsSpan(1).IndexOfAnyExcept("0123456789") + 1;
        if (opIndex <= 0
            || !TryParseNumber(lhs[..opIndex], allowSign: false, out var left)
            || !TryParseNumber(lhs[(opIndex + 1)..], allowSign: false, out var right))
        {
            return false;
        }

        step = new CountdownStep(left, lhs[opIndex], right, result);
        return true;
    }

    private static Int128 Illegal(string reason, out string? illegal)
    {
        illegal = reason;
        return 0;
    }

    private static bool TryParseNumber(string text, bool allowSign, out long value)
    {
        value = 0;
        var digits = allowSign && text.StartsWith('-') ? text[1..] : text;
        return digits.Length is > 0 and <= MaxDigits
            && !digits.AsSpan().ContainsAnyExcept("0123456789")
            && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }
}
