using Gipo.Core;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Gipo.Model;

/// <summary>Logits (float32) and final-norm hidden states, both [batch, time, *].</summary>
public sealed record ModelOutput(Tensor Logits, Tensor Hidden);
