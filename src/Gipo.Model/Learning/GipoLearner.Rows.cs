using Gipo.Core.Algorithm;
using Gipo.Core.Algorithm.Entropy;
using Gipo.Core.Algorithm.InformationBottleneck;
using Gipo.Model.Probe;
using static TorchSharp.torch;

namespace Gipo.Model.Learning;

// Step 1 (§D.1): the batch as rows, every response segmented into steps (§B.1) and its tokens bucketed (§B.3).
public sealed partial class GipoLearner
{
    /// <summary>The rows of <paramref name="batch"/>, the step of every response token, and the tokens' buckets.</summary>
    private (LearnerRows Rows, int[][] StepIndex, TokenBucketIds Buckets) BuildRows(IReadOnlyList<ScoredGroup> batch)
    {
        var rows = LearnerRows.Build(batch, settings, policy.Device);
        var steps = Segment(rows);
        var stepIndex = StepIndices(rows, steps);
        var buckets = StepBuckets.Assign(steps, rows.Width, settings.EntropyBuckets, settings.Scheduler.BucketPosition);
        return (rows, stepIndex, buckets);
    }

    private List<StepSegmentation> Segment(LearnerRows rows) =>
        rows.Trajectories.Select(t => segmenter.Segment(t.ResponseTokens, ids => tokenizer.Decode(ids, skipSpecial: false))).ToList();

    /// <summary>Per trajectory, the zero-based step of each response token: the layout features and blending share.</summary>
    private static int[][] StepIndices(LearnerRows rows, IReadOnlyList<StepSegmentation> steps) =>
        rows.Trajectories.Select((t, n) => ConfidenceFeatures.StepIndexOfTokens(steps[n].Steps, t.ResponseTokens.Length)).ToArray();

    private static long[] StatePositions(LearnerRows rows, int[][] stepIndex, int n) =>
        ConfidenceFeatures.StatePositions(rows.Trajectories[n].PromptTokens.Length, stepIndex[n]);

    private static RefAnswerTrajectory[] RefAnswerInputs(LearnerRows rows, int[][] stepIndex) =>
        rows.Trajectories.Select((t, n) =>
            new RefAnswerTrajectory(t.PromptTokens, t.ResponseTokens, stepIndex[n], rows.ReferenceAnswers[n]!)).ToArray();

    private Tensor StepIndexTensor(LearnerRows rows, int[][] stepIndex)
    {
        var data = new long[rows.Count * rows.Width];
        Array.Fill(data, -1L);
        for (var n = 0; n < rows.Count; n++)
            for (var t = 0; t < stepIndex[n].Length; t++) data[n * rows.Width + t] = stepIndex[n][t];
        return tensor(data, [rows.Count, rows.Width], device: policy.Device);
    }
}
