using System.Diagnostics;
using Gipo.Core.Algorithm;
using Gipo.Core.Tasks;
using Gipo.Core.Tokenization;
using Gipo.Model;
using Gipo.Model.Evaluation;
using Gipo.Model.Learning;
using Gipo.Model.Rollout;
using Gipo.Model.Sampling;

namespace Gipo.Cluster.Tests.Learning;

/// <summary>
/// Generate → score → learn, one step after another on the same policy (staleness 0): the reference behaviour
/// the asynchronous actor system is compared with, and what algorithm tests run. Dynamic sampling (§A.7) keeps
/// generating rounds of groups until B informative ones are accepted or the round cap is hit; the rejected groups go
/// to the learner too, which trains the probe on them under <c>ib.train_on_filtered</c> and ignores them otherwise.
/// A test harness, not a product path: <c>gipo train</c> is the actor system, whose batches the coordinator assembles
/// (<c>RunLedger.NextBatch</c>); this harness only shares the informative rule (<c>ScoredGroup.Informative</c>).
/// </summary>
internal sealed class SynchronousRun(
    PolicyModel policy, ITextTokenizer tokenizer, IReasoningTask task, GipoLearner learner, AlgorithmSettings settings)
{
    private readonly GroupRollout rollout = new(policy, tokenizer, task);

    public IEnumerable<RunStep> Run(SynchronousRunOptions o)
    {
        var rng = new Random(o.Seed);
        var evaluator = new TaskEvaluator(policy, tokenizer, task);
        var evalProblems = task.Sample(o.EvalSplit, o.EvalPrompts, o.Seed + 7919);
        var sampling = new SamplingOptions(settings.Temperature, MaxNewTokens: settings.MaxNewTokens);
        double Eval()
        {
            policy.eval();
            return TaskEvaluator.PassAt1(evaluator.Run(evalProblems, o.EvalSamplesPerPrompt, sampling with { Temperature = 1.0 }, (ulong)o.Seed));
        }

        long samples = 0, groupId = 0;
        yield return new RunStep(null, 0, 0, 0, Eval(), 0);
        for (var step = 1; step <= o.Steps; step++)
        {
            var clock = Stopwatch.StartNew();
            policy.eval();
            var accepted = new List<ScoredGroup>();
            var rejected = new List<ScoredGroup>();
            var examined = 0;
            for (var round = 0; round < settings.MaxGenRounds && accepted.Count < settings.GroupsPerStep; round++)
            {
                var want = settings.GroupsPerStep - accepted.Count;
                var problems = Enumerable.Range(0, want).Select(_ => (groupId++, task.Generate(o.TrainSplit, rng))).ToList();
                var groups = rollout.Run(problems, settings.GroupSize, sampling, learner.PolicyVersion, (ulong)o.Seed);
                samples += groups.Count * settings.GroupSize;
                examined += groups.Count;
                if (!settings.DynamicSampling) { accepted.AddRange(groups); break; }
                accepted.AddRange(groups.Where(g => g.Informative));
                rejected.AddRange(groups.Where(g => !g.Informative));
            }
            // With every group filtered out there is nothing to learn from: the step is skipped, not faked (the probe
            // does not train on the rejected groups alone either, so a skipped step changes nothing).
            var metrics = accepted.Count > 0 ? learner.Train(accepted, rejected) : null;
            var eval = step == o.Steps || (o.EvalEvery > 0 && step % o.EvalEvery == 0) ? Eval() : (double?)null;
            yield return new RunStep(metrics, samples, examined, rejected.Count, eval, clock.Elapsed.TotalSeconds);
        }
    }
}
