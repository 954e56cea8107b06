using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace Gipo.Model.Checkpoints;

/// <summary>Name, dtype, shape and byte range of one tensor in a safetensors file.</summary>
public sealed record SafeTensorEntry(string Name, string Dtype, long[] Shape, long Begin, long End);
