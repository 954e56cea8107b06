using Akka.Actor;

namespace Gipo.Cluster.Coordination;

/// <summary>Tuning of <see cref="RunCoordinator"/> that is not part of the run's ledger.</summary>
/// <param name="SnapshotEvery">Save a ledger snapshot after this many events (recovery replays at most that many).</param>
/// <param name="LeaseCheckInterval">How often expired leases are looked for.</param>
/// <param name="Clock">Source of "now" for lease deadlines; the system clock by default.</param>
public sealed record RunCoordinatorOptions(int SnapshotEvery = 500, TimeSpan? LeaseCheckInterval = null, TimeProvider? Clock = null)
{
    /// <summary>
    /// The start-up validation of a live settings change (<see cref="ChangeSettings"/>): given the changes journaled so
    /// far and the candidate event, null when it is valid, else the reason. Null: the ledger's own checks only.
    /// </summary>
    public Func<IReadOnlyList<SettingsChanged>, SettingsChanged, string?>? ValidateSettings { get; init; }

    /// <summary>
    /// Told a <see cref="Learning.RunFailed"/> when the run cannot go on: a journal failure that would repeat on every
    /// restart (a full disk: <see cref="JournalFaults"/>), instead of a restart loop; or dynamic sampling keeping no group
    /// for <see cref="LedgerSettings.MaxEmptyRounds"/> rounds (<see cref="BatchDecision.Exhausted"/>), instead of
    /// generating for ever. Null: nobody (tests).
    /// </summary>
    public IActorRef? FailureListener { get; init; }

    /// <summary>The journal in words, for messages (<see cref="JournalDatabase.Describe"/>).</summary>
    public string JournalDescription { get; init; } = "the journal";

    /// <summary>Where the journal's file lives, to say how much space is free there; null when it is not local (PostgreSQL).</summary>
    public string? JournalPath { get; init; }

    /// <summary>
    /// The fencing check run before every journal write (<see cref="Fencing.JournalLease.Fence"/>): null when this
    /// coordinator may write, else why not (a stale lease epoch: another coordinator took over). Null: no fencing
    /// (a single process, which the run lock already keeps alone).
    /// </summary>
    public Func<string?>? Fence { get; init; }

    /// <summary>Default lease check: once a second.</summary>
    public TimeSpan LeaseCheck => LeaseCheckInterval ?? TimeSpan.FromSeconds(1);
}
