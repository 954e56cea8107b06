namespace Gipo.Core.Datasets;

/// <summary>The verifiers a dataset run can choose (<c>gipo.dataset.verifier</c>; docs/datasets.md).</summary>
public enum DatasetVerifierKind
{
    /// <summary>veRL's GSM8K scorer (<see cref="Verification.Gsm8kAnswer"/>): strict <c>#### N</c>, flexible last number, or boxed.</summary>
    Gsm8k,

    /// <summary>veRL's MATH scorer (<see cref="Verification.MathAnswer"/>): last <c>\boxed{}</c>, normalised comparison.</summary>
    Math,

    /// <summary>The extracted answer equals the reference exactly (after trimming).</summary>
    Exact,

    /// <summary>The extracted answer is numerically equal to the reference within a relative tolerance
    /// (<see cref="Verification.NumericAnswer"/>).</summary>
    Numeric,

    /// <summary>The reference is a regular expression the whole extracted answer must match.</summary>
    Regex,
}
