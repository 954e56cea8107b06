using Gipo.Core;
using System.Diagnostics;
using System.Text.Json;
using Gipo.Core.Tasks;
using Gipo.Core.Tokenization;
using Gipo.Model.Checkpoints;
using Gipo.Model.Evaluation;
using Gipo.Model.Sampling;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Gipo.Model.Training;

/// <summary>Reported after every step (evaluation fields only on evaluation steps).</summary>
public sealed record SftProgress(int Step, int MaxSteps, double Loss, double LearningRate, double TokensPerSecond, double? EvalPassAt1);
