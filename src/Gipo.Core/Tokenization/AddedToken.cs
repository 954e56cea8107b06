namespace Gipo.Core.Tokenization;

/// <summary>An entry of <c>added_tokens</c>: text matched verbatim in the input and encoded as one id.</summary>
/// <param name="Id">The token id.</param>
/// <param name="Content">The exact text of the token.</param>
/// <param name="Special">Whether decoding with <c>skipSpecial</c> drops it.</param>
/// <param name="Normalized">
/// Whether it is matched in the normalized text (Hugging Face <c>normalized: true</c>) rather than in the raw input.
/// </param>
public sealed record AddedToken(int Id, string Content, bool Special, bool Normalized = false);
