namespace Gipo.Core.Tests.Tokenization;

internal sealed record ExpectedCase(string Text, int[] Ids, string Decoded);
