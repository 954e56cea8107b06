using Akka.Configuration;

namespace Gipo.Cluster;

/// <summary>The dispatchers Gipo's actors run on.</summary>
public static class GipoDispatchers
{
    /// <summary>
    /// One dedicated thread per actor, for actors that own a TorchSharp model: dispose scopes and grad mode are
    /// thread-local, and a long generation or learner step then blocks only that actor's own thread.
    /// </summary>
    public const string Torch = "gipo-torch-dispatcher";

    /// <summary>The HOCON that defines them.</summary>
    public static Config Config { get; } = ConfigurationFactory.ParseString("""
        gipo-torch-dispatcher {
          type = PinnedDispatcher
          executor = fork-join-executor
        }
        """);
}
