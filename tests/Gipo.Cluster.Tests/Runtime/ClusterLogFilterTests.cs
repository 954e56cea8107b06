using Akka.Event;
using Gipo.Cluster.Runtime;

namespace Gipo.Cluster.Tests.Runtime;

/// <summary>
/// <see cref="ClusterLogFilter"/> on the lines a survivor logged when a sampler node was SIGKILLed (taken from a real
/// 3-node run): one <c>lost peer</c> line, none of the association, gating, disassociation or quarantine noise.
/// </summary>
public sealed class ClusterLogFilterTests
{
    private const string Self = "akka.tcp://gipo@127.0.0.1:39147";
    private const string Peer = "akka.tcp://gipo@127.0.0.1:33821";
    private const string Writer = $"{Self}/system/endpointManager/reliableEndpointWriter-akka.tcp%3A%2F%2Fgipo%40127.0.0.1%3A33821-2/endpointWriter";

    private static IEnumerable<LogEvent> PeerKilled(string uid) =>
    [
        new Warning(Writer, typeof(object), $"Association with remote system {Peer} has failed; address is now gated for 5000 ms. Reason is: " +
            $"[Akka.Remote.EndpointDisassociatedException: Disassociated\n   at Akka.Remote.EndpointWriter.PublishAndThrow(Exception reason, " +
            $"LogLevel level, Boolean needToThrow)]"),
        new Error(new EndpointDisassociatedException(), Writer, typeof(object), "Disassociated"),
        new Warning(Writer, typeof(object), $"AssociationError [{Self}] -> {Peer}: Error [Connection refused tcp://gipo@127.0.0.1:33821] []"),
        new Warning("remoting (akka://gipo)", typeof(object), $"Tried to associate with unreachable remote address [{Peer}]. Address is now gated " +
            $"for 5000 ms, all messages to this address will be delivered to dead letters. Reason: [Connection refused tcp://gipo@127.0.0.1:33821] "),
        new Warning($"{Self}/system/cluster/core/daemon", typeof(object), $"Cluster Node [{Self}] - Marking node(s) as UNREACHABLE [Member(address " +
            $"= {Peer}, Uid={uid} status = Up, role=[sampler,scorer], upNumber=3, version=1.0.0)]. Node roles [sampler,scorer]"),
        new Warning(Writer, typeof(object), $"AssociationError [{Self}] -> {Peer}: Error [Connection refused tcp://gipo@127.0.0.1:33821] []"),
        new Warning("remoting (akka://gipo)", typeof(object), $"Tried to associate with unreachable remote address [{Peer}]. Address is now gated " +
            $"for 5000 ms, all messages to this address will be delivered to dead letters. Reason: [Connection refused tcp://gipo@127.0.0.1:33821] "),
        new Warning($"{Self}/system/cluster/core/daemon/downingProvider", typeof(object), $"SBR took decision Akka.Cluster.SBR.DownUnreachable and " +
            $"is downing [{Peer}], [1] unreachable of [3] members, full reachability status: [Reachability()]"),
        new Warning("remoting (akka://gipo)", typeof(object), $"Association to [{Peer}] having UID [{uid}] is irrecoverably failed. UID is now " +
            $"quarantined and all messages to this UID will be delivered to dead letters. Remote actorsystem must be restarted to recover " +
            $"from this situation."),
    ];

    [Fact(DisplayName = "A killed peer: exactly one 'lost peer' line (address, roles, uid), no association/gating/disassociation/quarantine lines")]
    public void One_line_per_lost_peer()
    {
        var filter = new ClusterLogFilter();
        var lines = PeerKilled("615720835").SelectMany(filter.Lines).ToList();
        var line = Assert.Single(lines);
        Assert.Contains($"lost peer {Peer} (roles sampler,scorer, uid 615720835): unreachable", line);
        Assert.StartsWith("[WARNING]", line);

        // The same peer restarted on its port (a new uid) and killed again is a new loss: one more line.
        Assert.Single(PeerKilled("99").SelectMany(filter.Lines));
    }

    [Fact(DisplayName = "Everything else passes unchanged: other warnings, association failures for other reasons, " +
                        "a downing decision about an unreported node")]
    public void Other_lines_pass()
    {
        var filter = new ClusterLogFilter();
        LogEvent[] kept =
        [
            new Warning("coordinator", typeof(object), "lease holder x on node 127.0.0.1:33821 terminated: 1 lease(s) re-issued"),
            new Warning(Writer, typeof(object), $"AssociationError [{Self}] -> {Peer}: Error [The remote certificate is invalid] []"),
            new Warning("downing", typeof(object), $"SBR took decision Akka.Cluster.SBR.DownUnreachable and is downing [{Peer}], " +
                                                   $"[1] unreachable of [3] members, full"),
            new Warning("downing", typeof(object), "SBR took decision Akka.Cluster.SBR.DownAll and is downing [a], [b], " +
                                                   "[2] unreachable of [3] members"),
            new Error(new InvalidOperationException("boom"), "learner", typeof(object), "learner failed"),
        ];
        foreach (var e in kept) Assert.Equal([e.ToString()], filter.Lines(e));
    }

    [Fact(DisplayName = "A peer that quarantined this node passes: its InvalidAssociation is not a peer gone away")]
    public void Quarantined_by_a_peer_passes()
    {
        var filter = new ClusterLogFilter();
        var quarantined = new Warning(new InvalidAssociation("The remote system has quarantined this system. No further associations " +
                                                            "to the remote system are possible until this system is restarted."),
            Writer, typeof(object), $"AssociationError [{Self}] -> {Peer}: Error [The remote system has quarantined this system.] []");
        Assert.Equal([quarantined.ToString()], filter.Lines(quarantined));
        // The same cause type about a refused connection is the noise the filter exists to drop.
        Assert.Empty(filter.Lines(new Warning(new InvalidAssociation("Association failed with " + Peer), Writer, typeof(object),
            $"AssociationError [{Self}] -> {Peer}: Error [Association failed with {Peer}] []")));
    }

    // Akka.Remote's own type is internal; the filter knows the cause by its type name, which this stand-in shares.
    private sealed class EndpointDisassociatedException() : Exception("Disassociated");

    private sealed class InvalidAssociation(string message) : Exception(message);
}
