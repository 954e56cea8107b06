namespace Gipo.Core.Tests.Verification;

/// <summary>Malformed model output shared by the answer-extraction tests.</summary>
public static class GarbageText
{
    public static TheoryData<string> Cases()
    {
        var bytes = new byte[4096];
        new Random(3).NextBytes(bytes);
        return
        [
            "",
            " ",
            "\\boxed",
            "\\boxed{",
            "\\boxed}",
            "\\boxed}{{x}",
            "}}}{{{",
            "\\fbox",
            "\\frac",
            "\\sqrt",
            "\\boxed{\\frac}",
            "\\boxed{\\sqrt}",
            "\\boxed{\\text{ a}\\text{ b}\\text{ c}}",
            "####",
            "#### ,",
            "$$$$",
            System.Text.Encoding.Latin1.GetString(bytes),
            System.Text.Encoding.UTF8.GetString(bytes),
            new string('{', 100_000),
            "\\boxed{" + new string('9', 100_000) + "}",
            string.Concat(Enumerable.Repeat("\\boxed{", 20_000)),
            "\u00e9\u4e2d\ud83d\ude00 \u0661\u0662\u0663\u0664",
        ];
    }
}
