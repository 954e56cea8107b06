namespace Gipo.Bench.Pipeline;

/// <summary>The local cost of one mailbox hop (send, enqueue, schedule, dequeue), from ping-pong between two actors.</summary>
/// <param name="DefaultSeconds">Both actors on the default dispatcher.</param>
/// <param name="PinnedSeconds">One on the default dispatcher, one on the pinned torch dispatcher (samplers, learner).</param>
public sealed record MailboxHopCost(double DefaultSeconds, double PinnedSeconds, int RoundTrips)
{
    /// <summary>The price of every hop in the estimate: the dearer of the two.</summary>
    public double PerHopSeconds => Math.Max(DefaultSeconds, PinnedSeconds);
}
