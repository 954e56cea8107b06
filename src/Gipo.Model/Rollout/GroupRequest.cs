using Gipo.Core.Tasks;

namespace Gipo.Model.Rollout;

/// <summary>One prompt to generate a group for: its group id, problem and sampling seed.</summary>
/// <param name="Seed">Member j samples with <c>CounterRandom.Next(Seed, j)</c>, so a re-issued group (same seed,
/// new id) reproduces its samples token for token.</param>
public sealed record GroupRequest(long GroupId, Problem Problem, ulong Seed);
