using Akka.Configuration;

namespace Gipo.Cluster.Configuration;

/// <summary>
/// Gipo's Akka settings, one reference file per concern (Akka's own <c>reference.conf</c> convention), embedded from
/// <c>hocon/akka-*.conf</c> and <c>hocon/cluster.conf</c> so a published binary needs no folder beside it. Each default
/// is written there once, with its comment; C# adds only what is known at run time (addresses, seeds, roles,
/// connection strings, the run id) through <see cref="ComputedConfig"/>, layered over these.
/// </summary>
public static class AkkaReference
{
    /// <summary><c>hocon/akka-node.conf</c>: every node of a run (<c>gipo train</c> and <c>gipo node</c>): logging, remoting, cluster basics,
    /// shutdown.</summary>
    public static Config Node { get; } = Load("akka-node.conf");

    /// <summary><c>hocon/akka-actors.conf</c>: what any actor system running Gipo's actors or reading its journal needs (serializer, torch
    /// dispatcher).</summary>
    public static Config Actors { get; } = Load("akka-actors.conf");

    /// <summary><c>hocon/cluster.conf</c>: a member of a multi-node cluster (<c>gipo node</c>): failure detection, downing, singleton
    /// fencing.</summary>
    public static Config Cluster { get; } = Load("cluster.conf");

    /// <summary><c>hocon/akka-persistence.conf</c>: the journal and snapshot plugins (Akka.Persistence.Sql).</summary>
    public static Config Persistence { get; } = Load("akka-persistence.conf");

    /// <summary><c>hocon/akka-read-only.conf</c>: a read-only tool's actor system (<c>gipo status</c>), over <see cref="Persistence"/>.</summary>
    public static Config ReadOnly { get; } = Load("akka-read-only.conf");

    /// <summary><c>hocon/akka-tls.conf</c>: remoting over mutual TLS (applied only when a certificate is given).</summary>
    public static Config Tls { get; } = Load("akka-tls.conf");

    /// <summary><c>hocon/akka-management.conf</c>: the management endpoint and Cluster Bootstrap (applied only with discovery).</summary>
    public static Config Management { get; } = Load("akka-management.conf");

    /// <summary>The text of embedded reference file <paramref name="file"/> (<c>hocon/</c> in the repository).</summary>
    public static string Text(string file)
    {
        using var stream = typeof(AkkaReference).Assembly.GetManifestResourceStream($"Gipo.Cluster.{file}")
            ?? throw new InvalidOperationException($"embedded {file} is missing from the build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static Config Load(string file)
    {
        var text = Text(file);
        HoconSyntax.Check(text, $"embedded hocon/{file}");
        return ConfigurationFactory.ParseString(text);
    }
}
