using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;
using Gipo.Bench.Pipeline;
using Gipo.Cluster.Coordination;
using Gipo.Cluster.Serialization;

namespace Gipo.Bench.Tests.Pipeline;

/// <summary>
/// The pipeline bench's serializer decorator: registered by config alone, it is what Akka uses for every Gipo message,
/// it writes GipoSerializer's bytes under GipoSerializer's identifier, and it times calls only while a probe records.
/// </summary>
public sealed class TimedGipoSerializerTests
{
    private static ActorSystem System(Config? extra) =>
        ActorSystem.Create("timed-serializer", (extra ?? Config.Empty).WithFallback(GipoSerializer.Config)
            .WithFallback(ConfigurationFactory.ParseString("akka.loglevel = WARNING")));

    [Fact]
    public void The_decorator_replaces_the_gipo_serializer_with_the_same_identifier_manifest_and_bytes()
    {
        var message = new StepCompleted(7, 8);
        using var plain = System(null);
        using var timed = System(TimedGipoSerializer.Config);
        var product = plain.Serialization.FindSerializerFor(message);
        var decorated = timed.Serialization.FindSerializerFor(message);
        Assert.IsType<GipoSerializer>(product);
        Assert.IsType<TimedGipoSerializer>(decorated);
        Assert.Equal(GipoSerializer.Id, decorated.Identifier);
        var manifest = ((SerializerWithStringManifest)decorated).Manifest(message);
        Assert.Equal(((SerializerWithStringManifest)product).Manifest(message), manifest);
        var bytes = decorated.ToBinary(message);
        Assert.Equal(product.ToBinary(message), bytes);
        // A journaled payload is decoded by identifier: the decorator owns it (it records the call), not a second serializer.
        using var probe = SerializerProbe.Start();
        Assert.Equal(message, timed.Serialization.Deserialize(bytes, GipoSerializer.Id, manifest));
        Assert.False(Assert.Single(probe.Calls).Encode);
    }

    [Fact]
    public void Calls_are_recorded_only_while_a_probe_records()
    {
        var message = new StepCompleted(3, 4);
        using var timed = System(TimedGipoSerializer.Config);
        var serializer = (SerializerWithStringManifest)timed.Serialization.FindSerializerFor(message);
        var outside = serializer.ToBinary(message);
        using (var probe = SerializerProbe.Start())
        {
            var bytes = serializer.ToBinary(message);
            serializer.FromBinary(bytes, serializer.Manifest(message));
            Assert.Equal([(typeof(StepCompleted), true, bytes.Length), (typeof(StepCompleted), false, bytes.Length)],
                probe.Calls.OrderByDescending(c => c.Encode).Select(c => (c.Type, c.Encode, c.Bytes)));
            Assert.All(probe.Calls, c => Assert.True(c.End >= c.Start));
        }
        using var after = SerializerProbe.Start();
        serializer.ToBinary(message);
        Assert.Single(after.Calls);
        Assert.Equal(outside.Length, after.Calls[0].Bytes);
    }
}
