namespace Gipo.Core.Tokenization;

/// <summary>A run of input text: either an added token (with its id) or ordinary text.</summary>
internal readonly record struct TextSegment(int Start, int Length, int? AddedTokenId);
