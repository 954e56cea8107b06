using static TorchSharp.torch;

namespace Gipo.Model;

/// <summary>Logits (float32) and final-norm hidden states, both [batch, time, *].</summary>
public sealed record ModelOutput(Tensor Logits, Tensor Hidden);
