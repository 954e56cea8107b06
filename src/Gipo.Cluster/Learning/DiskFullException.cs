namespace Gipo.Cluster.Learning;

/// <summary>A write that failed because its disk is full, with where and how much space it needed.</summary>
public sealed class DiskFullException(string message, Exception inner) : IOException(message, inner);
