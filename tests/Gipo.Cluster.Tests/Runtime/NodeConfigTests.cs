using Akka.Configuration;
using Gipo.Cluster.Configuration;
using Gipo.Cluster.Coordination;
using Gipo.Cluster.Runtime;
using Gipo.Cluster.Weights;

namespace Gipo.Cluster.Tests.Runtime;

/// <summary>The Akka settings of a node: the reference files of hocon/ with only run-time values set in code.</summary>
public sealed class NodeConfigTests
{
    private static readonly JournalDatabase Sqlite = JournalDatabase.Sqlite(Path.Combine(Path.GetTempPath(), "gipo-node-config", "gipo.db"));

    [Fact(DisplayName = "Akka reference files: every type they name exists")]
    public void Named_types_exist()
    {
        string[] names =
        [
            AkkaReference.Node.GetStringList("akka.loggers").Single(),
            AkkaReference.Actors.GetString("akka.actor.serializers.gipo"),
            AkkaReference.Actors.GetConfig("akka.actor.serialization-bindings").AsEnumerable().Single().Key,
            AkkaReference.Cluster.GetString("akka.coordination.journal-lease.lease-class"),
            AkkaReference.Node.GetString("akka.cluster.downing-provider-class"),
        ];
        foreach (var name in names) Assert.True(Type.GetType(name) is not null, $"type '{name}' named in hocon/ does not load");
    }

    [Fact(DisplayName = "Node config: one remote frame size, from hocon/akka-node.conf, that a weight chunk fits")]
    public void One_frame_size()
    {
        var frame = AkkaReference.Node.GetByteSize(WeightTransferSettings.FrameSizeKey, null);
        Assert.Equal(4L << 20, frame);
        var single = TrainingNode.NodeConfig(ClusterMembership.SingleProcess, Sqlite, false, null);
        var member = TrainingNode.NodeConfig(new ClusterMembership([NodeRoles.Sampler], "10.0.0.3", 4054), Sqlite, false, null)
            .WithFallback(TrainingNode.JournalLeaseConfig("run", Sqlite));
        Assert.Equal(frame, single.GetByteSize(WeightTransferSettings.FrameSizeKey, null));
        Assert.Equal(frame, member.GetByteSize(WeightTransferSettings.FrameSizeKey, null));
        Assert.Equal(frame, WeightTransferSettings.Config.GetByteSize(WeightTransferSettings.FrameSizeKey, null));
        WeightTransferSettings.Default.CheckFits(frame!.Value);
        Assert.False(AkkaReference.Cluster.HasPath(WeightTransferSettings.FrameSizeKey)); // not a second copy
    }

    [Fact(DisplayName = "Node config: run-time values are set in code, quoted; the defaults come from the reference files")]
    public void Runtime_values_over_reference()
    {
        var membership =
            new ClusterMembership([NodeRoles.Coordinator, NodeRoles.Learner], "0.0.0.0", 4053, "node \"a\"", ["10.0.0.1:4053", "10.0.0.2:4053"]);
        var config = TrainingNode.NodeConfig(membership, Sqlite, false, ConfigurationFactory.ParseString("akka.loglevel = INFO"));
        Assert.Equal("0.0.0.0", config.GetString("akka.remote.dot-netty.tcp.hostname"));
        Assert.Equal("node \"a\"", config.GetString("akka.remote.dot-netty.tcp.public-hostname"));
        Assert.Equal(4053, config.GetInt("akka.remote.dot-netty.tcp.port"));
        Assert.Equal(["coordinator", "learner"], config.GetStringList("akka.cluster.roles"));
        Assert.Equal(["akka.tcp://gipo@10.0.0.1:4053", "akka.tcp://gipo@10.0.0.2:4053"], config.GetStringList("akka.cluster.seed-nodes"));
        Assert.Equal("INFO", config.GetString("akka.loglevel")); // the extra layer wins
        Assert.Equal("cluster", config.GetString("akka.actor.provider"));
        Assert.Equal("keep-majority", config.GetString("akka.cluster.split-brain-resolver.active-strategy"));
        Assert.False(config.GetBoolean("akka.coordinated-shutdown.run-by-clr-shutdown-hook"));
        Assert.Equal(TimeSpan.FromSeconds(30), config.GetTimeSpan("akka.coordinated-shutdown.phases.before-cluster-shutdown.timeout"));
        Assert.Equal("PinnedDispatcher", config.GetString("gipo-torch-dispatcher.type"));
        Assert.Equal(Sqlite.ConnectionString, config.GetString("akka.persistence.journal.sql.connection-string"));
        Assert.True(config.GetBoolean("akka.persistence.journal.sql.auto-initialize"));
    }

    [Fact(DisplayName = "Node config: cluster.conf and the lease only for a cluster member; the single process has neither")]
    public void Cluster_settings_only_for_members()
    {
        var single = TrainingNode.NodeConfig(ClusterMembership.SingleProcess, Sqlite, false, null);
        Assert.Equal("", single.GetString("akka.cluster.singleton.use-lease", ""));
        Assert.False(single.HasPath("akka.cluster.split-brain-resolver.stable-after"));

        var member = TrainingNode.JournalLeaseConfig("run-7", Sqlite);
        Assert.Equal("akka.coordination.journal-lease", member.GetString("akka.cluster.singleton.use-lease"));
        Assert.Equal("run-7", member.GetString("akka.coordination.journal-lease.run-id"));
        Assert.Equal(Sqlite.ProviderName, member.GetString("akka.coordination.journal-lease.provider-name"));
        Assert.Equal(TimeSpan.FromSeconds(12), member.GetTimeSpan("akka.coordination.journal-lease.heartbeat-timeout"));
        Assert.Equal(TimeSpan.FromSeconds(10), member.GetTimeSpan("akka.cluster.split-brain-resolver.stable-after"));
    }

    [Fact(DisplayName = "Read-only journal config: no table creation, warnings only")]
    public void Read_only_config()
    {
        var config = RunJournalReader.ReadOnlyConfig(Sqlite);
        Assert.False(config.GetBoolean("akka.persistence.journal.sql.auto-initialize"));
        Assert.False(config.GetBoolean("akka.persistence.snapshot-store.sql.auto-initialize"));
        Assert.Equal("WARNING", config.GetString("akka.loglevel"));
        Assert.Contains("Mode=ReadOnly", config.GetString("akka.persistence.journal.sql.connection-string"));
        Assert.Equal("gipo", config.GetString("akka.actor.serialization-bindings.\"Gipo.Cluster.Serialization.IGipoMessage, Gipo.Cluster\""));
    }
}
