using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Coordination;
using Akka.Event;
using Gipo.Cluster.Coordination;

namespace Gipo.Cluster.Fencing;

/// <summary>
/// An <see cref="Lease"/> (Akka.Coordination) kept in the run's journal database (<see cref="JournalLeaseTable"/>),
/// used by the cluster singletons (<c>akka.cluster.singleton.use-lease</c>): a singleton starts only on the node that
/// acquired its lease, and that node renews it every <c>heartbeat-interval</c>; the lease ends
/// <c>heartbeat-timeout</c> after the last renewal. Each hand-over to another holder raises the lease's epoch, the
/// fencing token: <see cref="Fence"/> checks it in the database before a write, so a holder that was frozen or cut off
/// while another took over cannot write under its stale epoch. Config (HOCON at the lease's config path): the
/// Akka.Coordination timeouts plus <c>run-id</c>, <c>provider-name</c> and <c>connection-string</c>, which
/// <c>TrainingNode</c> injects from the journal's own settings.
/// </summary>
public sealed class JournalLease : Lease
{
    private static readonly ConcurrentDictionary<(ActorSystem, string), JournalLease> Instances = new();

    private readonly JournalLeaseTable table;
    private readonly ILoggingAdapter log;
    private readonly string rowName;
    private readonly long ttlMs;
    private readonly long marginMs;
    private readonly TimeSpan interval;
    private readonly object gate = new();
    private Timer? heartbeat;
    private Action<Exception>? lost;
    private long epoch;

    /// <summary>Called by Akka's <see cref="LeaseProvider"/> (the constructor it looks for).</summary>
    public JournalLease(LeaseSettings settings, ExtendedActorSystem system) : base(settings)
    {
        var config = settings.LeaseConfig;
        var runId = config.GetString("run-id", "");
        if (string.IsNullOrEmpty(runId)) throw new ArgumentException($"lease '{settings.LeaseName}': 'run-id' is not set in the lease config");
        table = new JournalLeaseTable(JournalDatabase.FromPlugin(config.GetString("provider-name", ""), config.GetString("connection-string", "")));
        rowName = RowName(runId, settings.LeaseName);
        ttlMs = (long)settings.TimeoutSettings.HeartbeatTimeout.TotalMilliseconds;
        interval = settings.TimeoutSettings.HeartbeatInterval;
        if (interval <= TimeSpan.Zero || interval.TotalMilliseconds * 2 > ttlMs)
            throw new ArgumentException($"lease '{settings.LeaseName}': heartbeat-interval " +
                                        $"({interval.TotalSeconds} s) must be > 0 and at most half of heartbeat-timeout ({ttlMs / 1000.0} s)");
        // A write must finish before the lease could pass to someone else: refuse writes in the last renewal interval.
        marginMs = (long)interval.TotalMilliseconds;
        Holder = LeaseHolderId.Of(settings.OwnerName, Guid.NewGuid().ToString("N")[..12]);
        log = Logging.GetLogger(system, typeof(JournalLease));
        Instances[(system, settings.LeaseName)] = this;
        system.WhenTerminated.ContinueWith(terminated => { StopHeartbeat(); Instances.TryRemove((system, settings.LeaseName), out _); },
                                           TaskScheduler.Default);
    }

    /// <summary>This process's holder identity (<see cref="LeaseHolderId"/>).</summary>
    public string Holder { get; }

    /// <summary>The epoch this holder acquired, 0 while it holds none.</summary>
    public long Epoch => Interlocked.Read(ref epoch);

    /// <summary>The row name of lease <paramref name="leaseName"/> of run <paramref name="runId"/>: one journal database can serve many
    /// runs.</summary>
    public static string RowName(string runId, string leaseName) => $"{runId}/{leaseName}";

    /// <summary>The lease named <paramref name="leaseName"/> that <paramref name="system"/> created, or null (none yet, or leases are off).</summary>
    public static JournalLease? Find(ActorSystem system, string leaseName) => Instances.TryGetValue((system, leaseName), out var lease)
        ? lease : null;

    /// <inheritdoc />
    public override Task<bool> Acquire() => Acquire(null);

    /// <inheritdoc />
    public override Task<bool> Acquire(Action<Exception>? leaseLostCallback) => Task.Run(() =>
    {
        var row = table.Change(rowName, (current, now) => LeaseRules.Acquire(current, Holder, now, ttlMs));
        if (row is null)
        {
            var (current, now) = table.Read(rowName);
            if (current is not null)
                log.Info("lease {0} is held by {1} (epoch {2}) for {3:F1} s more", rowName, current.Holder, current.Epoch,
                         (current.ExpiresMs - now) / 1000.0);
            return false;
        }
        lock (gate)
        {
            lost = leaseLostCallback;
            Interlocked.Exchange(ref epoch, row.Epoch);
            heartbeat ??= new Timer(_ => Renew(), null, interval, interval);
        }
        log.Info("lease {0} acquired by {1}, epoch {2}", rowName, Holder, row.Epoch);
        return true;
    });

    /// <inheritdoc />
    public override Task<bool> Release() => Task.Run(() =>
    {
        var held = Epoch;
        StopHeartbeat();
        Interlocked.Exchange(ref epoch, 0);
        // Nothing held (never acquired, or already lost to a later epoch): nobody waits on this holder, which is what
        // the caller needs to know; false would only make Akka log an error about a lease it no longer has.
        if (held == 0) return true;
        return table.Change(rowName, (current, now) => LeaseRules.Release(current, Holder, held, now)) is not null;
    });

    /// <inheritdoc />
    public override bool CheckLease() => Epoch > 0;

    /// <summary>
    /// Null when this holder may write now (the database row still names it and its epoch, and the lease does not end
    /// within a renewal interval), else why not; a stale epoch also ends the lease here (the singleton is stopped
    /// through the lease-lost callback). Call before every journal write or checkpoint commit of a leased singleton.
    /// </summary>
    public string? Fence()
    {
        var held = Epoch;
        if (held == 0) return $"lease {rowName}: this node ({Holder}) holds no lease";
        var (row, now) = table.Read(rowName);
        var violation = LeaseRules.FenceViolation(row, Holder, held, now, marginMs);
        if (violation is null) return null;
        if (row is null || row.Epoch != held || row.Holder != Holder) Lose(held, violation);
        return $"lease {rowName}: {violation}";
    }

    private void Renew()
    {
        var held = Epoch;
        if (held == 0) return;
        try
        {
            if (table.Change(rowName, (current, now) => LeaseRules.Renew(current, Holder, held, now, ttlMs)) is null)
                Lose(held, "another holder took the lease (a later epoch is in the journal database)");
        }
        catch (Exception e)
        {
            // A database that is down cannot let anyone else acquire either; the holder stops writing by itself once its
            // own lease would have ended (Fence), and keeps trying to renew.
            log.Warning("lease {0}: renewal failed ({1}); retrying in {2} s", rowName, e.Message, interval.TotalSeconds);
        }
    }

    private void Lose(long held, string reason)
    {
        Action<Exception>? callback;
        lock (gate)
        {
            if (Interlocked.CompareExchange(ref epoch, 0, held) != held) return;
            callback = lost;
            lost = null;
            heartbeat?.Dispose();
            heartbeat = null;
        }
        log.Warning("lease {0} lost by {1} (epoch {2}): {3}", rowName, Holder, held, reason);
        callback?.Invoke(new LeaseException($"lease {rowName} lost: {reason}"));
    }

    private void StopHeartbeat()
    {
        lock (gate)
        {
            heartbeat?.Dispose();
            heartbeat = null;
            lost = null;
        }
    }
}
