using Akka.Actor;
using Akka.Pattern;

namespace Gipo.Cluster.Sampling;

/// <summary>
/// Runs a node's samplers, each under a back-off supervisor. A sampler that throws is stopped and a new incarnation
/// starts after the back-off: the coordinator, which watches lease holders, sees the old one terminate and re-issues
/// its leases at once (a plain restart would keep the same actor ref and leave them to time out).
/// </summary>
public sealed class SamplerSupervisor : ReceiveActor
{
    private readonly List<string> names = [];

    /// <summary>Use <see cref="Props"/>.</summary>
    public SamplerSupervisor(int count, Func<int, Props> sampler, TimeSpan minBackoff, TimeSpan maxBackoff)
    {
        for (var i = 0; i < count; i++)
        {
            var name = $"sampler-{i}";
            // OnFailure back-off: the failed child is stopped (DeathWatch fires) and a new one starts after the delay.
            var options = Backoff.OnFailure(sampler(i), name, minBackoff, maxBackoff, 0.2, -1);
            Context.ActorOf(BackoffSupervisor.Props(options), $"{name}-supervisor");
            names.Add(name);
        }
        Receive<GetSamplers>(_ => Sender.Tell(new SamplersState(names)));
    }

    /// <summary>Props of <paramref name="count"/> samplers made by <paramref name="sampler"/> (given the sampler's index).</summary>
    public static Props Props(int count, Func<int, Props> sampler, TimeSpan? minBackoff = null, TimeSpan? maxBackoff = null) =>
        Akka.Actor.Props.Create(() =>
            new SamplerSupervisor(count, sampler, minBackoff ?? TimeSpan.FromMilliseconds(200), maxBackoff ?? TimeSpan.FromSeconds(10)));
}
