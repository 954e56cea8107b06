namespace Gipo.Cluster.Runtime;

/// <summary>
/// TLS for Akka remoting between machines.
/// </summary>
/// <param name="CertificatePath">
/// This node's certificate and private key as a PKCS#12 file (<c>.pfx</c>/<c>.p12</c>). It is presented both when
/// this node accepts a connection and when it opens one (mutual TLS).
/// </param>
/// <param name="Password">The PKCS#12 file's password; <c>null</c> when it has none.</param>
/// <param name="CaCertificatePath">
/// The cluster's CA certificate (PEM or DER). When set, a peer is accepted if its certificate chains to this CA (each
/// node may have its own certificate). When <c>null</c>, a peer is accepted only if it presents exactly this node's
/// certificate (one certificate shared by the whole cluster).
/// </param>
public sealed record TlsOptions(string CertificatePath, string? Password = null, string? CaCertificatePath = null)
{
    /// <summary>Environment variable naming the PKCS#12 file (<see cref="CertificatePath"/>).</summary>
    public const string CertificateVariable = "GIPO_TLS_CERTIFICATE";

    /// <summary>Environment variable holding the PKCS#12 password (<see cref="Password"/>).</summary>
    public const string PasswordVariable = "GIPO_TLS_CERTIFICATE_PASSWORD";

    /// <summary>Environment variable naming the cluster CA certificate (<see cref="CaCertificatePath"/>).</summary>
    public const string CaVariable = "GIPO_TLS_CA";

    /// <summary>
    /// The options from <c>GIPO_TLS_CERTIFICATE</c>, <c>GIPO_TLS_CERTIFICATE_PASSWORD</c> and <c>GIPO_TLS_CA</c>;
    /// <c>null</c> (TLS off) when <c>GIPO_TLS_CERTIFICATE</c> is unset or empty.
    /// </summary>
    /// <param name="variable">Reads a variable (tests); <see cref="Environment.GetEnvironmentVariable(string)"/> by default.</param>
    public static TlsOptions? FromEnvironment(Func<string, string?>? variable = null)
    {
        variable ??= Environment.GetEnvironmentVariable;
        var path = variable(CertificateVariable);
        if (string.IsNullOrWhiteSpace(path)) return null;
        var ca = variable(CaVariable);
        return new TlsOptions(path, variable(PasswordVariable), string.IsNullOrWhiteSpace(ca) ? null : ca);
    }

    /// <summary>The record without the password, so that logging the options does not leak it.</summary>
    public override string ToString() =>
        $"TlsOptions {{ CertificatePath = {CertificatePath}, Password = {(Password is null ? "(none)" : "***")}, " +
        $"CaCertificatePath = {CaCertificatePath ?? "(none)"} }}";
}
