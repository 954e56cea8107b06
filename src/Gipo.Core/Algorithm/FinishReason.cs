namespace Gipo.Core.Algorithm;

/// <summary>Why a response ended (docs/algorithm.md §S).</summary>
public enum FinishReason
{
    Eos,
    Length,
    Aborted,
}
