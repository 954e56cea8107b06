namespace Gipo.Bench.Pipeline;

/// <summary>Messages of one type inside the measured window.</summary>
/// <param name="Enqueued">Mailbox enqueues (a message through a singleton proxy counts twice).</param>
/// <param name="Distinct">Distinct message objects among them (what would be serialized once per send across nodes).</param>
/// <param name="Bytes">Encoded size of the distinct objects (Gipo messages only).</param>
/// <param name="CodecSeconds">Encode + decode of the distinct objects, timed after the run (Gipo messages only).</param>
public sealed record MessageTypeCount(string Type, bool Gipo, long Enqueued, long Distinct, long Bytes, double CodecSeconds);
