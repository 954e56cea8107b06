using System.Diagnostics;
using Gipo.Model;
using Gipo.Model.Sampling;
using Gipo.Model.Training;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Gipo.Bench.Models;

/// <summary>
/// Train-step and decode throughput of <see cref="PolicyModel"/>. A train step is forward + fp32 cross-entropy +
/// backward + one <see cref="FlatAdamW"/> update on random ids (median after warm-up). Decode is tokens/s of the
/// <see cref="Sampler"/> after prefill: the time of a prefill-only call is subtracted from a full call.
/// </summary>
public static class ModelBenchmark
{
    public static ModelBenchmarkResult Run(ModelBenchmarkOptions o, Device device, Action<string>? log = null)
    {
        manual_seed(o.Seed);
        using var model = new PolicyModel(o.ModelConfig(), device);
        var parameters = model.parameters().Sum(p => p.numel());
        var (tps, ms) = o.TrainSteps > 0 ? Train(model, o, device, log) : (0, 0);
        var decode = new Dictionary<int, double>();
        model.eval();
        foreach (var batch in o.DecodeBatches)
        {
            decode[batch] = Decode(model, o, batch, device);
            log?.Invoke($"decode batch={batch}: {decode[batch]:N0} tok/s");
        }
        return new ModelBenchmarkResult(parameters, tps, ms, decode);
    }

    private static (double TokensPerSecond, double StepMs) Train(PolicyModel model, ModelBenchmarkOptions o, Device device, Action<string>? log)
    {
        model.train();
        using var optimizer = new FlatAdamW(model.named_parameters(), lr: 1e-4);
        var times = new List<double>();
        for (var step = 0; step < o.Warmup + o.TrainSteps; step++)
        {
            using var scope = NewDisposeScope();
            var ids = randint(0, o.Vocab, [o.TrainBatch, o.TrainSeq + 1], device: device);
            Synchronize(device);
            var clock = Stopwatch.StartNew();
            var logits = model.Forward(ids.narrow(1, 0, o.TrainSeq)).Logits;
            var loss = F.cross_entropy(logits.reshape(-1, o.Vocab), ids.narrow(1, 1, o.TrainSeq).reshape(-1));
            optimizer.ZeroGrad();
            loss.backward();
            optimizer.StepOnce();
            Synchronize(device);
            var seconds = clock.Elapsed.TotalSeconds;
            if (!float.IsFinite(loss.item<float>())) throw new InvalidOperationException("benchmark loss diverged");
            if (step >= o.Warmup) times.Add(seconds);
            log?.Invoke($"train step {step + 1}/{o.Warmup + o.TrainSteps}: {seconds * 1e3:F1} ms");
        }
        var median = times.Order().ElementAt(times.Count / 2);
        return (o.TrainBatch * o.TrainSeq / median, median * 1e3);
    }

    private static double Decode(PolicyModel model, ModelBenchmarkOptions o, int batch, Device device)
    {
        var sampler = new Sampler(model, [0], 0);
        var rng = new Random(o.Seed);
        var requests = Enumerable.Range(0, batch)
            .Select(i => new GenerationRequest(Enumerable.Range(0, o.PromptLength).Select(_ => rng.Next(o.Vocab)).ToArray(), (ulong)i)).ToList();
        double Time(int newTokens)
        {
            var clock = Stopwatch.StartNew();
            sampler.Generate(requests, new SamplingOptions(MaxNewTokens: newTokens, IgnoreEos: true));
            Synchronize(device);
            return clock.Elapsed.TotalSeconds;
        }
        Time(Math.Min(8, o.NewTokens)); // warm-up
        // Best of three of each, so a scheduler hiccup on a shared machine does not decide the number.
        var prefill = Enumerable.Range(0, 3).Min(_ => Time(1));
        var full = Enumerable.Range(0, 3).Min(_ => Time(o.NewTokens + 1));
        return batch * o.NewTokens / Math.Max(1e-9, full - prefill);
    }

    private static void Synchronize(Device device)
    {
        if (device.type == DeviceType.CUDA) torch.cuda.synchronize(device);
    }
}
