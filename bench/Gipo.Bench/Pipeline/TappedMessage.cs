using System.Diagnostics;
using Gipo.Cluster.Serialization;

namespace Gipo.Bench.Pipeline;

/// <summary>One enqueued message: when (<see cref="Stopwatch.GetTimestamp"/>), its type, and the message itself if it is a Gipo message.</summary>
public readonly record struct TappedMessage(long Timestamp, Type Type, IGipoMessage? Message);
