namespace Gipo.Cluster.Runtime;

/// <summary>The TLS options cannot be used (missing file, wrong password, no private key, …); the message names the file.</summary>
public sealed class TlsConfigurationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TlsConfigurationException(string message, Exception? inner = null) : base(message, inner) { }
}
