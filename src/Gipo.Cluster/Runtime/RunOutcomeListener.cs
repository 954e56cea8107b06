using Akka.Actor;
using Gipo.Cluster.Learning;

namespace Gipo.Cluster.Runtime;

/// <summary>
/// Completes a node's <see cref="RunOutcome"/> from the last word about the run: the local learner's
/// <see cref="RunFinished"/> / <see cref="RunFailed"/>, or the <see cref="RunEndWatcher"/>'s report that the ledger is
/// finished. The first word wins.
/// </summary>
public sealed class RunOutcomeListener : ReceiveActor
{
    /// <summary>Use <see cref="Props"/>.</summary>
    public RunOutcomeListener(TaskCompletionSource<RunOutcome> outcome)
    {
        Receive<RunFinished>(m => outcome.TrySetResult(new RunOutcome(true, m.Step, m.PolicyVersion, m.EvalPassAt1, m.Checkpoint, null)));
        Receive<RunFailed>(m => outcome.TrySetResult(new RunOutcome(false, -1, -1, null, null, m.Reason)));
    }

    /// <summary>Props of a listener that completes <paramref name="outcome"/>.</summary>
    public static Props Props(TaskCompletionSource<RunOutcome> outcome) => Akka.Actor.Props.Create(() => new RunOutcomeListener(outcome));
}
