using Akka.Actor;
using Akka.Event;
using Gipo.Cluster.Coordination;

namespace Gipo.Cluster.Runtime;

/// <summary>
/// Delivers <c>gipo set</c> requests from the run folder (<see cref="SettingsRequestFolder"/>) to the run coordinator
/// and writes its answers back. It runs on every node with the coordinator role and the run folder; it holds no state
/// the journal does not: the coordinator — the single writer of the run's journal — validates and journals each change
/// as a <see cref="SettingsChanged"/> event, idempotently by request id, so a request sent twice (an inbox that
/// restarted between sending and answering, a coordinator that moved) is journaled once.
/// <para>
/// Why a folder and not a remote actor reference: <c>gipo set</c> is a short-lived process that would otherwise have to
/// join the cluster (seed nodes, TLS certificates, a port) only to send one message, and a run folder is what every
/// Gipo command already addresses a run by. The coordinator's asks are piped back as messages, so the inbox never blocks.
/// </para>
/// </summary>
public sealed class SettingsInbox : ReceiveActor, IWithTimers
{
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(30);

    private readonly ILoggingAdapter log = Context.GetLogger();
    private readonly SettingsRequestFolder folder;
    private readonly IActorRef coordinator;
    private readonly HashSet<string> inFlight = new(StringComparer.Ordinal);
    private readonly TimeSpan poll;

    /// <summary>Use <see cref="Props"/>.</summary>
    public SettingsInbox(SettingsRequestFolder folder, IActorRef coordinator, TimeSpan poll)
    {
        this.folder = folder;
        this.coordinator = coordinator;
        Receive<Poll>(_ => OnPoll());
        Receive<Answered>(OnAnswered);
        Receive<Unanswered>(u =>
        {
            // The coordinator is moving or restarting: the claim stays and the next poll asks again.
            inFlight.Remove(u.RequestId);
            log.Warning("settings request {0} got no answer from the coordinator ({1}); asking again", u.RequestId, u.Cause.Message);
        });
        this.poll = poll;
    }

    /// <summary>Props of the inbox of run folder <paramref name="folder"/>, asking <paramref name="coordinator"/> (its singleton proxy).</summary>
    public static Props Props(SettingsRequestFolder folder, IActorRef coordinator, TimeSpan poll)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(coordinator);
        if (poll <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(poll), poll, "the poll interval must be > 0");
        return Akka.Actor.Props.Create(() => new SettingsInbox(folder, coordinator, poll));
    }

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <inheritdoc />
    protected override void PreStart() => Timers.StartPeriodicTimer("poll", Poll.Instance, poll);

    private void OnPoll()
    {
        IReadOnlyList<string> claimed;
        try
        {
            claimed = folder.ClaimAll();
        }
        catch (IOException e)
        {
            log.Warning("reading settings requests in {0} failed: {1}", folder.Root, e.Message);
            return;
        }
        foreach (var id in claimed.Where(id => !inFlight.Contains(id)))
        {
            SettingsRequest request;
            try
            {
                request = folder.ReadClaimed(id);
            }
            catch (Exception e) when (e is InvalidDataException or IOException or ArgumentException)
            {
                Answer(new SettingsReply(id, false, null, null, e.Message));
                continue;
            }
            inFlight.Add(id);
            coordinator.Ask<object>(new ChangeSettings(request.RequestId, request.Changes), AnswerTimeout)
                .PipeTo(Self, success: reply => new Answered(id, reply), failure: e => new Unanswered(id, e));
        }
    }

    private void OnAnswered(Answered a)
    {
        inFlight.Remove(a.RequestId);
        Answer(a.Reply switch
        {
            SettingsChangeAccepted ok => new SettingsReply(a.RequestId, true, ok.Change.EffectiveStep, ok.Change.Changes, null),
            SettingsChangeRefused no => new SettingsReply(a.RequestId, false, null, null, no.Reason),
            _ => new SettingsReply(a.RequestId, false, null, null, $"unexpected coordinator reply {a.Reply}"),
        });
    }

    private void Answer(SettingsReply reply)
    {
        try
        {
            folder.Answer(reply);
        }
        catch (IOException e)
        {
            log.Error(e, "could not answer settings request {0} in {1}", reply.RequestId, folder.Root);
        }
    }

    private sealed class Poll : INoSerializationVerificationNeeded
    {
        public static Poll Instance { get; } = new();
    }

    private sealed record Answered(string RequestId, object Reply) : INoSerializationVerificationNeeded;

    private sealed record Unanswered(string RequestId, Exception Cause) : INoSerializationVerificationNeeded;
}
