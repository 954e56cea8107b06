namespace Gipo.Core.Algorithm.Objective;

/// <summary>Policy versions for <see cref="ProxMode.LogLinear"/>: v^b of each sequence, v^prox and v^θ.</summary>
/// <param name="Behaviour">v^b per sequence (the oldest version among its tokens), one per row.</param>
/// <param name="Prox">v^prox, the learner version at the start of this learner step.</param>
/// <param name="Theta">v^θ, the version of the weights being optimised.</param>
public sealed record ProxVersions(IReadOnlyList<long> Behaviour, long Prox, long Theta);
