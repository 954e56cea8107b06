namespace Gipo.Model.Checkpoints;

/// <summary>Name, dtype, shape and byte range of one tensor in a safetensors file.</summary>
public sealed record SafeTensorEntry(string Name, string Dtype, long[] Shape, long Begin, long End);
