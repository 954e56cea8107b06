namespace Gipo.Model.Sampling;

/// <summary>One prompt to complete, with the seed that fixes its random draws.</summary>
public sealed record GenerationRequest(IReadOnlyList<int> PromptIds, ulong Seed);
