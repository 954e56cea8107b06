namespace Gipo.Core.Algorithm.Objective;

/// <summary>DAPO soft overlong punishment (docs/algorithm.md §A.1): responses in the last L_buf tokens before L_max lose up
/// to p reward, linearly.</summary>
/// <param name="MaxLength">L_max, the new-token budget.</param>
/// <param name="Buffer">L_buf, the length of the penalised window (1 ≤ L_buf ≤ L_max).</param>
/// <param name="Penalty">p, the penalty at T = L_max (≥ 0).</param>
public sealed record OverlongShaping(int MaxLength, int Buffer, double Penalty);
