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

/// <summary>What a finished run produced.</summary>
public sealed record SftResult(double EvalPassAt1, int Steps, double Seconds, string Checkpoint, bool ReachedTarget);
