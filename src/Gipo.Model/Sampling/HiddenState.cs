namespace Gipo.Model.Sampling;

/// <summary>Final-norm hidden state after the token at <paramref name="Position"/> of the response (−1 = last prompt token).</summary>
public sealed record HiddenState(int Position, float[] Vector);
