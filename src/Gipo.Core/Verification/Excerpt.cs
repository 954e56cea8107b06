namespace Gipo.Core.Verification;

/// <summary>Clips model text before it goes into a <see cref="VerificationResult.Reason"/>.</summary>
public static class Excerpt
{
    /// <summary>Longest excerpt kept verbatim.</summary>
    public const int MaxLength = 40;

    /// <summary>Returns <paramref name="text"/>, cut to <see cref="MaxLength"/> characters plus an ellipsis.</summary>
    // Reasons are logged per sample; a 100k-character garbage line must not be copied into them.
    public static string Of(string text) => text.Length <= MaxLength ? text : string.Concat(text.AsSpan(0, MaxLength), "...");
}
