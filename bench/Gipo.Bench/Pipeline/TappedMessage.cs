using System.Collections.Concurrent;
using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using Akka.Dispatch;
using Akka.Dispatch.MessageQueues;
using Gipo.Cluster.Runtime;
using Gipo.Cluster.Serialization;

namespace Gipo.Bench.Pipeline;

/// <summary>One enqueued message: when (<see cref="Stopwatch.GetTimestamp"/>), its type, and the message itself if it is a Gipo message.</summary>
public readonly record struct TappedMessage(long Timestamp, Type Type, IGipoMessage? Message);
