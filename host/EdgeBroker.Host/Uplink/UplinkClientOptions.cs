using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EdgeBroker.Core.Uplink;
using EdgeBroker.Host.Configuration;
using EdgeBroker.Host.Tls;
using MQTTnet;
using MQTTnet.Formatter;

namespace EdgeBroker.Host.Uplink;

/// <summary>
/// The MQTTnet client options for one connection attempt: the gateway's persistent session upstream (clean start off,
/// a session that does not expire, so remote subscriptions and unacknowledged messages survive a reconnect) or a proxy
/// session's (under a local client's ID, as long-lived as that client's session here),
/// keep-alive, the credentials of the auth mode (<see cref="UplinkCredentials"/>), and TLS for <c>mqtts://</c> with the
/// configured CA, optional client certificate and the server-name check on unless turned off.
/// </summary>
sealed class UplinkClientOptions : IDisposable
{
    readonly UplinkOptions _options;
    readonly UplinkSettings _settings;
    readonly X509Certificate2Collection _authorities = [];
    readonly X509Certificate2? _clientCertificate;
    readonly string? _willTopic;

    /// <param name="willTopic">The topic of the retained status the will marks offline (<see cref="Core.Uplink.Uplink.WillTopic"/>),
    /// or null for no will.</param>
    public UplinkClientOptions(UplinkOptions options, UplinkSettings settings, string? willTopic)
    {
        _options = options;
        _settings = settings;
        _willTopic = willTopic;
        try
        {
            if (!string.IsNullOrWhiteSpace(options.CaFile))
            {
                _authorities.ImportFromPemFile(options.CaFile);
            }

            if (!string.IsNullOrWhiteSpace(options.ClientCertificateFile))
            {
                _clientCertificate = X509Certificate2.CreateFromPemFile(options.ClientCertificateFile,
                    string.IsNullOrWhiteSpace(options.ClientKeyFile) ? null : options.ClientKeyFile);
            }
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new CertificateUnavailableException(
                $"uplink '{options.Name}': cannot load its TLS files (CaFile, ClientCertificateFile, ClientKeyFile): {e.GetBaseException().Message}", e);
        }
    }

    /// <summary>The options of the gateway's own connection: its client ID, a session that never expires, and with
    /// retained P2P routes the will that marks its status offline when the connection is lost.</summary>
    public MqttClientOptions Build(UplinkAddress address, MqttProtocolVersion version)
    {
        var options = Build(address, version, _settings.ClientId, uint.MaxValue);
        if (_willTopic is not null)
        {
            options.WillTopic = _willTopic;
            options.WillPayload = RetainedRoutes.StatusPayload(false);
            options.WillRetain = true;
        }

        return options;
    }

    /// <summary>The options of a connection under <paramref name="clientId"/> — the gateway's own, or a proxy session's
    /// (<see cref="ProxyConnection"/>) — whose upstream session lasts <paramref name="sessionExpirySeconds"/> after it
    /// ends (0: a clean session, gone with the connection; MQTT 3.1.1 knows only clean or kept).</summary>
    public MqttClientOptions Build(UplinkAddress address, MqttProtocolVersion version, string clientId, uint sessionExpirySeconds)
    {
        var credentials = UplinkCredentials.For(_settings, clientId);
        var persistent = sessionExpirySeconds > 0;
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(address.Host, address.Port)
            .WithClientId(clientId)
            .WithProtocolVersion(version)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(_settings.KeepAliveSeconds))
            .WithTimeout(TimeSpan.FromSeconds(10));
        builder = version == MqttProtocolVersion.V500
            ? builder.WithCleanStart(!persistent).WithSessionExpiryInterval(sessionExpirySeconds)
            : builder.WithCleanSession(!persistent);
        if (credentials.UserName is not null)
        {
            builder = builder.WithCredentials(credentials.UserName, credentials.Password);
        }

        if (address.Tls)
        {
            var serverName = string.IsNullOrWhiteSpace(_options.ServerName) ? address.Host : _options.ServerName;
            builder = builder.WithTlsOptions(tls =>
            {
                tls.UseTls()
                    .WithSslProtocols(ServerTls.Protocols)
                    .WithTargetHost(serverName);
                if (_authorities.Count > 0)
                {
                    tls.WithTrustChain(_authorities);
                }

                if (_clientCertificate is not null)
                {
                    tls.WithClientCertificates([_clientCertificate]);
                }

                tls.WithCertificateValidationHandler(check => Accept(check.SslPolicyErrors, check.Chain, serverName));
            });
        }

        return builder.Build();
    }

    /// <summary>Whether the upstream's certificate passes: the chain (against <c>CaFile</c>'s authorities, else the
    /// system's) and, unless <c>CheckServerName</c> is off, the name. A refusal throws what is wrong, because SslStream
    /// would otherwise report only that the validation callback refused — the same words for an untrusted CA, an
    /// expired certificate and another name.</summary>
    bool Accept(SslPolicyErrors errors, X509Chain? chain, string serverName)
    {
        if (!_options.CheckServerName)
        {
            errors &= ~SslPolicyErrors.RemoteCertificateNameMismatch;
        }

        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        var problems = new List<string>();
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            problems.Add("the upstream sent no certificate");
        }

        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            problems.Add($"the certificate is not issued for {serverName} (set ServerName to a name it carries, or CheckServerName false)");
        }

        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors))
        {
            var statuses = chain?.ChainStatus.Select(status => status.Status.ToString()).Distinct() ?? [];
            problems.Add($"its chain does not verify ({string.Join(", ", statuses)}){(_authorities.Count == 0 ? "; set CaFile to the CA that issued it" : " against CaFile")}");
        }

        throw new System.Security.Authentication.AuthenticationException("the upstream's certificate was refused: " + string.Join("; ", problems));
    }

    public void Dispose()
    {
        _clientCertificate?.Dispose();
        foreach (var authority in _authorities)
        {
            authority.Dispose();
        }
    }
}
