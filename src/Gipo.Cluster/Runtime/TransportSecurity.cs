using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Event;
using Akka.Remote.Transport.DotNetty;
using Gipo.Cluster.Configuration;

namespace Gipo.Cluster.Runtime;

/// <summary>
/// Builds the remoting TLS of a Gipo actor system (Akka.NET 1.5.73 DotNetty transport).
/// </summary>
/// <remarks>
/// Two halves: <see cref="Config"/> turns TLS on (<c>enable-ssl</c>, mutual authentication) and <see cref="SslSetup"/>
/// adds a <see cref="DotNettySslSetup"/> carrying the loaded certificate and Gipo's peer validator. The validator is
/// why the setup exists: from HOCON alone Akka validates a peer's chain against the operating system's trust store
/// (or, with <c>suppress-validation</c>, accepts every certificate), which cannot say "only this cluster's
/// certificate". Akka calls the validator on both sides of every connection (the server checks the client's
/// certificate too, because mutual authentication is on), and a rejected handshake never reaches the association, so
/// a node without the cluster's certificate cannot join.
/// </remarks>
public static class TransportSecurity
{
    /// <summary>
    /// The HOCON that turns on TLS for <c>akka.remote.dot-netty.tcp</c> with mutual authentication
    /// (<c>hocon/akka-tls.conf</c>, <see cref="AkkaReference.Tls"/>);
    /// <see cref="Akka.Configuration.Config.Empty"/> when <paramref name="tls"/> is <c>null</c>. The certificate itself
    /// is not in it (see <see cref="SslSetup"/>): an actor system built from this fragment without the setup fails to
    /// start rather than running unauthenticated. Throws <see cref="TlsConfigurationException"/> when the options are
    /// unusable.
    /// </summary>
    public static Config Config(TlsOptions? tls)
    {
        if (tls is null) return Akka.Configuration.Config.Empty;
        var (certificate, ca) = Load(tls);
        certificate.Dispose();
        ca?.Dispose();
        return AkkaReference.Tls; // hocon/akka-tls.conf says why each key has its value
    }

    /// <summary>
    /// The <see cref="DotNettySslSetup"/> for <paramref name="tls"/>: this node's certificate and the validator that
    /// accepts only the cluster's certificate (or one signed by the cluster's CA); <c>null</c> when
    /// <paramref name="tls"/> is <c>null</c>. Throws <see cref="TlsConfigurationException"/> when the options are unusable.
    /// </summary>
    public static DotNettySslSetup? SslSetup(TlsOptions? tls)
    {
        if (tls is null) return null;
        var (certificate, ca) = Load(tls);
        var validator = ca is null ? PinnedTo(certificate) : SignedBy(ca);
        return new DotNettySslSetup(certificate, suppressValidation: false, requireMutualAuthentication: true,
            validateCertificateHostname: false, customValidator: validator);
    }

    /// <summary>
    /// The actor-system setup for <paramref name="config"/> with <paramref name="tls"/> applied: pass it to
    /// <see cref="ActorSystem.Create(string, ActorSystemSetup)"/>. Without TLS it is just the config.
    /// </summary>
    public static ActorSystemSetup SystemSetup(Config config, TlsOptions? tls)
    {
        var bootstrap = BootstrapSetup.Create().WithConfig(Config(tls).WithFallback(config));
        var ssl = SslSetup(tls);
        return ssl is null ? Akka.Actor.Setup.ActorSystemSetup.Create(bootstrap) : bootstrap.And(ssl);
    }

    /// <summary>Loads and checks the certificate (and CA) up front, so that a bad path or password fails at startup with the path named.</summary>
    internal static (X509Certificate2 Certificate, X509Certificate2? Ca) Load(TlsOptions tls)
    {
        var certificate = LoadPkcs12(tls.CertificatePath, tls.Password);
        if (tls.CaCertificatePath is null) return (certificate, null);
        try
        {
            var ca = LoadCa(tls.CaCertificatePath);
            if (!ChainsTo(certificate, ca, extra: null, out var problem))
                throw new TlsConfigurationException(
                    $"TLS certificate '{tls.CertificatePath}' is not signed by the CA '{tls.CaCertificatePath}': {problem}");
            return (certificate, ca);
        }
        catch
        {
            certificate.Dispose();
            throw;
        }
    }

    private static X509Certificate2 LoadPkcs12(string path, string? password)
    {
        if (string.IsNullOrWhiteSpace(path))
            throw new TlsConfigurationException("TLS certificate path is empty");
        if (!File.Exists(path))
            throw new TlsConfigurationException($"TLS certificate '{path}' does not exist");
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(path, password);
        }
        catch (CryptographicException e)
        {
            // A PEM/DER certificate is the common mistake: it is a certificate without its key.
            var hint = X509Certificate2.GetCertContentType(path) == X509ContentType.Pkcs12
                ? "wrong password, or a damaged file"
                : "not a PKCS#12 file; bundle the certificate and its key with `openssl pkcs12 -export -inkey node.key -in node.crt -out node.p12`";
            throw new TlsConfigurationException($"TLS certificate '{path}' could not be loaded ({hint}): {e.Message}", e);
        }
        try
        {
            if (!certificate.HasPrivateKey)
                throw new TlsConfigurationException(
                    $"TLS certificate '{path}' has no private key; export the PKCS#12 with its key (`openssl pkcs12 -export -inkey ...`)");
            var now = DateTime.Now;
            if (now > certificate.NotAfter)
                throw new TlsConfigurationException($"TLS certificate '{path}' expired on {certificate.NotAfter:u}");
            if (now < certificate.NotBefore)
                throw new TlsConfigurationException($"TLS certificate '{path}' is not valid before {certificate.NotBefore:u}");
            return certificate;
        }
        catch
        {
            certificate.Dispose();
            throw;
        }
    }

    private static X509Certificate2 LoadCa(string path)
    {
        if (!File.Exists(path))
            throw new TlsConfigurationException($"TLS CA certificate '{path}' does not exist");
        try
        {
            return X509CertificateLoader.LoadCertificateFromFile(path);
        }
        catch (CryptographicException e)
        {
            throw new TlsConfigurationException($"TLS CA certificate '{path}' could not be loaded " +
                                                $"(expected one PEM or DER certificate): {e.Message}", e);
        }
    }

    /// <summary>Accepts exactly <paramref name="certificate"/> (the cluster's shared certificate), byte for byte.</summary>
    private static CertificateValidationCallback PinnedTo(X509Certificate2 certificate)
    {
        var pinned = certificate.RawData;
        return (peer, _, remote, _, log) =>
        {
            if (peer is null) return Reject(log, remote, null, "no certificate presented");
            if (!peer.RawData.AsSpan().SequenceEqual(pinned))
                return Reject(log, remote, peer, "not the cluster's certificate");
            return Valid(log, remote, peer);
        };
    }

    /// <summary>Accepts a certificate that chains to <paramref name="ca"/>, ignoring the operating system's trust store.</summary>
    private static CertificateValidationCallback SignedBy(X509Certificate2 ca) =>
        (peer, chain, remote, _, log) =>
        {
            if (peer is null) return Reject(log, remote, null, "no certificate presented");
            return ChainsTo(peer, ca, chain, out var problem) ? Valid(log, remote, peer) : Reject(log, remote, peer, problem);
        };

    private static bool Valid(ILoggingAdapter log, string remote, X509Certificate2 peer)
    {
        var now = DateTime.Now;
        if (now > peer.NotAfter) return Reject(log, remote, peer, $"expired on {peer.NotAfter:u}");
        if (now < peer.NotBefore) return Reject(log, remote, peer, $"not valid before {peer.NotBefore:u}");
        return true;
    }

    private static bool Reject(ILoggingAdapter log, string remote, X509Certificate2? peer, string why)
    {
        log.Warning("TLS: rejected the certificate of {0} ({1}): {2}", remote,
            peer is null ? "none" : $"subject {peer.Subject}, SHA-256 {peer.GetCertHashString(HashAlgorithmName.SHA256)}", why);
        return false;
    }

    private static bool ChainsTo(X509Certificate2 certificate, X509Certificate2 ca, X509Chain? extra, out string problem)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        // A private cluster CA publishes no revocation lists; revoking means re-issuing the CA.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        // Intermediates the peer sent with its certificate.
        if (extra is not null)
            foreach (var element in extra.ChainElements)
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        if (chain.Build(certificate))
        {
            problem = "";
            return true;
        }
        problem = string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0)
            .DefaultIfEmpty("chain does not lead to the cluster CA"));
        return false;
    }
}
