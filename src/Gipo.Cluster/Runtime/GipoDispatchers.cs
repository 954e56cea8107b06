using Akka.Configuration;
using Gipo.Cluster.Configuration;

namespace Gipo.Cluster;

/// <summary>The dispatchers Gipo's actors run on.</summary>
public static class GipoDispatchers
{
    /// <summary>
    /// One dedicated thread per actor, for actors that own a TorchSharp model: dispose scopes and grad mode are
    /// thread-local, and a long generation or learner step then blocks only that actor's own thread.
    /// </summary>
    public const string Torch = "gipo-torch-dispatcher";

    /// <summary>The HOCON that defines them: <c>hocon/akka-actors.conf</c> (<see cref="AkkaReference.Actors"/>, which also binds the
    /// serializer).</summary>
    public static Config Config => AkkaReference.Actors;
}
