namespace Gipo.Core.Tokenization;

/// <summary>The <c>behavior</c> of a Hugging Face <c>Split</c> pre-tokenizer: what becomes of the marked parts.</summary>
internal enum SplitBehavior
{
    /// <summary>Every part is its own piece.</summary>
    Isolated,

    /// <summary>Marked parts are dropped.</summary>
    Removed,

    /// <summary>A marked part is glued to the piece before it.</summary>
    MergedWithPrevious,

    /// <summary>A marked part is glued to the piece after it.</summary>
    MergedWithNext,

    /// <summary>Neighbouring parts with the same mark become one piece.</summary>
    Contiguous,
}
