using System.Globalization;

namespace Gipo.Core.Tasks;

/// <summary>A ColumnAdd instance <c>A + B</c>.</summary>
/// <param name="A">First operand, as written first in the prompt.</param>
/// <param name="B">Second operand.</param>
public sealed record ColumnAddInstance(long A, long B) : ITaskInstance
{
    /// <summary>The sum.</summary>
    public long Sum => A + B;

    /// <inheritdoc />
    public string Prompt => $"Q:ADD {A} {B}\n";

    /// <inheritdoc />
    public string Answer => Sum.ToString(CultureInfo.InvariantCulture);

    /// <inheritdoc />
    public string SplitKey => A <= B ? $"{A}+{B}" : $"{B}+{A}";

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> Data => new Dictionary<string, string>
    {
        ["a"] = A.ToString(CultureInfo.InvariantCulture),
        ["b"] = B.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>
    /// The column lines, least significant first: <c>a_j+b_j+c_j=s_j</c>, where digits beyond the shorter
    /// operand are 0 and c_j is the carry into column j. A final carry appears only in the answer.
    /// </summary>
    public IReadOnlyList<string> ColumnLines()
    {
        var lines = new List<string>();
        long a = A, b = B, carry = 0;
        do
        {
            var (da, db) = (a % 10, b % 10);
            var sum = da + db + carry;
            lines.Add($"{da}+{db}+{carry}={sum}");
            carry = sum / 10;
            a /= 10;
            b /= 10;
        }
        while (a > 0 || b > 0);

        return lines;
    }

    /// <summary>The worked response: the column lines, then <c>A:sum</c>, each newline-terminated.</summary>
    public string Solution() => string.Concat(ColumnLines().Select(line => line + "\n")) + $"A:{Answer}\n";
}
