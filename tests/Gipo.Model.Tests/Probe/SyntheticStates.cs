using Gipo.Core.Algorithm.InformationBottleneck;
using static TorchSharp.torch;

namespace Gipo.Model.Tests.Probe;

/// <summary>
/// Synthetic probe inputs from a private generator: K in 1..6 states per trajectory, random LN-scale hidden vectors
/// and confidences, and a label that the chosen signal reveals (or nothing does).
/// </summary>
internal static class SyntheticStates
{
    public const int HiddenSize = 12;

    public enum Signal
    {
        /// <summary>Labels independent of every feature.</summary>
        None,

        /// <summary>Hidden coordinate 0 is shifted by ±1.5 according to the label.</summary>
        Hidden,

        /// <summary>Self-certainty is shifted by ±1.5 according to the label (the hidden carries nothing).</summary>
        SelfCertainty,
    }

    public static SyntheticBatch Batch(Generator gen, int trajectories, Signal signal = Signal.Hidden)
    {
        var labels = rand(trajectories, generator: gen).data<float>().Select(v => v < 0.5f).ToArray();
        var steps = randint(1, 7, [trajectories], generator: gen).data<long>().ToArray();
        var features = new StepFeatures[trajectories];
        for (var i = 0; i < trajectories; i++)
        {
            var k = (int)steps[i];
            var sign = labels[i] ? 1f : -1f;
            var hidden = randn(k, HiddenSize, generator: gen);
            var confidence = randn(k, 3, generator: gen) * 0.5 + tensor(new float[] { 2, -1, 0.7f });
            if (signal == Signal.Hidden) hidden[.., 0] += 1.5f * sign;
            if (signal == Signal.SelfCertainty) confidence[.., 0] += 1.5f * sign;
            confidence[0] = zeros(3); // the prompt state has no step
            var position = arange(k, dtype: float32) / 6f;
            features[i] = new StepFeatures(hidden, confidence, position);
        }
        return new SyntheticBatch(features, labels);
    }
}
