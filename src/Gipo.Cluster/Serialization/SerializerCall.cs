using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;

namespace Gipo.Cluster.Serialization;

/// <summary>One serializer call: <see cref="Stopwatch.GetTimestamp"/> before and after, the message type, the payload size.</summary>
/// <param name="Encode">True for <c>ToBinary</c>, false for <c>FromBinary</c>.</param>
public readonly record struct SerializerCall(long Start, long End, Type Type, int Bytes, bool Encode)
{
    /// <summary>The call's duration.</summary>
    public double Seconds => (End - Start) / (double)Stopwatch.Frequency;
}
