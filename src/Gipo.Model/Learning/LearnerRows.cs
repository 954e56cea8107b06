using Gipo.Core.Algorithm;
using Gipo.Core.Algorithm.Objective;
using Gipo.Model.Training;
using static TorchSharp.torch;

namespace Gipo.Model.Learning;

/// <summary>
/// Step 1 of a learner step (docs/algorithm.md §D.1): the batch flattened to trajectories in group order, with their
/// outcome rewards (§A.1), packed for teacher forcing, with response-aligned [N, T] views.
/// </summary>
internal sealed class LearnerRows
{
    public required IReadOnlyList<Trajectory> Trajectories { get; init; }
    public required int[] GroupIds { get; init; }
    public required double[] Rewards { get; init; }
    public required bool[] Success { get; init; }
    /// <summary>Each trajectory's reference answer y* (its group's), null where the producer knew none.</summary>
    public required string?[] ReferenceAnswers { get; init; }
    public required TokenBatch Batch { get; init; }
    /// <summary>[N, T]: sequence position whose logits predict response token t (clamped on padding).</summary>
    public required Tensor ResponseIndex { get; init; }
    /// <summary>[N, T] float32: 1 on response tokens.</summary>
    public required Tensor Mask { get; init; }
    public required Tensor BehaviourLogp { get; init; }
    public required int Width { get; init; }
    public int Count => Trajectories.Count;
    public int GroupCount => GroupIds.Length == 0 ? 0 : GroupIds.Max() + 1;

    public double[] GroupMeans()
    {
        var sums = new double[GroupCount];
        var counts = new int[GroupCount];
        for (var n = 0; n < Count; n++) { sums[GroupIds[n]] += Rewards[n]; counts[GroupIds[n]]++; }
        return GroupIds.Select(g => sums[g] / counts[g]).ToArray();
    }

    /// <summary>Whether the group of row <paramref name="n"/> has all-equal (shaped) rewards: the §A.7 rule, negated.</summary>
    public bool GroupIsUniform(int n)
    {
        var g = GroupIds[n];
        return !DynamicSampling.IsInformative([.. Enumerable.Range(0, Count).Where(i => GroupIds[i] == g).Select(i => Rewards[i])]);
    }

    public static LearnerRows Build(IReadOnlyList<ScoredGroup> batch, AlgorithmSettings s, Device device)
    {
        var trajectories = new List<Trajectory>();
        var groupIds = new List<int>();
        var rewards = new List<double>();
        var success = new List<bool>();
        var answers = new List<string?>();
        for (var g = 0; g < batch.Count; g++)
            for (var i = 0; i < batch[g].Members.Count; i++)
            {
                var t = batch[g].Members[i];
                trajectories.Add(t);
                groupIds.Add(g);
                rewards.Add(Gipo.Core.Algorithm.Objective.Rewards.Outcome(batch[g].Scores[i].Reward, t.Finish, t.ResponseTokens.Length, s.Overlong));
                success.Add(batch[g].Scores[i].Success);
                answers.Add(batch[g].ReferenceAnswer);
            }
        var width = Math.Max(1, trajectories.Max(t => t.ResponseTokens.Length));
        var pad = 0;
        var packed = TokenBatch.Create(trajectories.Select(t => ((IReadOnlyList<int>)t.PromptTokens, (IReadOnlyList<int>)t.ResponseTokens))
            .ToList(), pad, device);
        var index = new long[trajectories.Count * width];
        var mask = new float[trajectories.Count * width];
        var behaviour = new float[trajectories.Count * width];
        for (var n = 0; n < trajectories.Count; n++)
        {
            var t = trajectories[n];
            for (var j = 0; j < width; j++)
            {
                var real = j < t.ResponseTokens.Length;
                index[n * width + j] = t.PromptTokens.Length - 1 + (real ? j : 0);
                mask[n * width + j] = real ? 1f : 0f;
                behaviour[n * width + j] = real ? t.BehaviourLogProbs[j] : 0f;
            }
        }
        return new LearnerRows
        {
            Trajectories = trajectories, GroupIds = [.. groupIds], Rewards = [.. rewards], Success = [.. success], ReferenceAnswers = [.. answers],
            Batch = packed,
            ResponseIndex = tensor(index, [trajectories.Count, width], device: device),
            Mask = tensor(mask, [trajectories.Count, width], device: device),
            BehaviourLogp = tensor(behaviour, [trajectories.Count, width], device: device),
            Width = width,
        };
    }
}
