namespace Gipo.Cluster.Serialization;

/// <summary>
/// Marker for every message and persisted event of Gipo. HOCON binds it to <see cref="GipoSerializer"/>
/// (<c>akka.actor.serialization-bindings</c>), so nothing of ours ever falls back to Akka's default JSON, and a type
/// that implements it without a codec fails loudly (a test runs with <c>serialize-messages = on</c>).
/// </summary>
public interface IGipoMessage;
