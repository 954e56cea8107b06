using Akka.Actor;
using Akka.Cluster;
using Gipo.Cluster.Learning;
using Gipo.Cluster.Runtime;

namespace Gipo.Cli.Tests;

/// <summary>
/// Issue 11, item 6: the exit code and closing line of a <c>gipo node</c> that left on request, by what its learner
/// answered, and when a shutdown hands the learner over at all (the process-level runs are in <c>GracefulLeaveTests</c>, tests/Gipo.Bench.Tests).
/// </summary>
public sealed class NodeLeaveExitTests
{
    [Fact(DisplayName = "A clean hand-over exits 0 and names the step and checkpoint the standby continues from")]
    public void Clean_hand_over_exits_0()
    {
        var (code, message) = NodeCommand.LeftOnRequest("SIGTERM", new LearnerHandedOver(7, 7, "/runs/r/checkpoints/step-000007", true, null),
                                                        standbyLearners: 1);
        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal("node: left the cluster on request (SIGTERM); handed the learner over at step 7, policy version 7: " +
                     "checkpoint /runs/r/checkpoints/step-000007 committed; the standby continues from it", message);
        // Without a standby the checkpoint is just as safe, and the line says who continues from it.
        var alone =
            NodeCommand.LeftOnRequest("SIGTERM", new LearnerHandedOver(7, 7, "/runs/r/checkpoints/step-000007", false, null), standbyLearners: 0);
        Assert.Equal(ExitCodes.Ok, alone.Code);
        Assert.Contains("was the last one committed; no standby learner node is up", alone.Message);
    }

    [Fact(DisplayName = "A node without a learner leaves with exit 0; one whose hand-over failed or had no standby exits 5 with the reason")]
    public void Other_leaves()
    {
        Assert.Equal(ExitCodes.Ok, NodeCommand.LeftOnRequest("Ctrl+C", null, 0).Code);
        Assert.Contains("nothing to hand over", NodeCommand.LeftOnRequest("Ctrl+C", null, 0).Message);
        Assert.Equal(ExitCodes.Ok, NodeCommand.LeftOnRequest("SIGTERM", new LearnerHandedOver(0, 0, null, false, null), 1).Code);
        var failed = NodeCommand.LeftOnRequest("SIGTERM", new LearnerHandedOver(-1, -1, null, false, "the learner did not hand over within 29 s"), 1);
        Assert.Equal(ExitCodes.Stopped, failed.Code);
        Assert.Contains("not handed over: the learner did not hand over within 29 s", failed.Message);
        // The codes of the other endings stay distinct from these.
        Assert.Equal([0, 2, 5, 6],
                     new[] { RunEnding.Finished, RunEnding.Failed, RunEnding.LeftOnRequest, RunEnding.Downed }.Select(ExitCodes.For).Order());
    }

    [Fact(DisplayName = "Only a requested leave of a node that is still Up and has other members hands the learner over")]
    public void Hand_over_applies_only_to_a_requested_leave()
    {
        Assert.True(LearnerHandOver.Applies(CoordinatedShutdown.ClrExitReason.Instance, MemberStatus.Up, 2));
        Assert.False(LearnerHandOver.Applies(CoordinatedShutdown.ClrExitReason.Instance, MemberStatus.Up, 0)); // alone: gipo train
        Assert.False(LearnerHandOver.Applies(CoordinatedShutdown.ClusterDowningReason.Instance, MemberStatus.Down, 2));
        Assert.False(LearnerHandOver.Applies(CoordinatedShutdown.ClrExitReason.Instance, MemberStatus.Down, 2));
        Assert.False(LearnerHandOver.Applies(CoordinatedShutdown.ClusterLeavingReason.Instance, MemberStatus.Exiting, 2));
        Assert.False(LearnerHandOver.Applies(null, MemberStatus.Up, 2));
    }
}
