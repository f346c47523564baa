using EdgeBroker.EndToEnd.Tests.Infrastructure;
using EdgeBroker.EndToEnd.Tests.Tls;

namespace EdgeBroker.EndToEnd.Tests.Uplink;

/// <summary>
/// Another EdgeBroker host standing in for the cloud: MQTT over TLS with the test CA's certificate, Signature mode for
/// the gateways (access key <see cref="Key"/>), anonymous cloud applications on its plain port, and fixed ports and
/// data directory so that it can be stopped (an outage) and started again as the same broker.
/// </summary>
public sealed class EdgeBrokerUpstream : IAsyncDisposable
{
    public const string Key = "AK_UPSTREAM";
    public const string Secret = "upstream-secret";

    readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("edgebroker-upstream-");
    readonly TestCertificates _certificates;
    readonly bool _requireClientCertificate;
    RunningBroker? _broker;
    IReadOnlyDictionary<string, string?>? _settings;

    EdgeBrokerUpstream(TestCertificates certificates, bool requireClientCertificate)
    {
        _certificates = certificates;
        _requireClientCertificate = requireClientCertificate;
        Port = FreePorts.Next();
        TlsPort = FreePorts.Next();
    }

    public int Port { get; }

    public int TlsPort { get; }

    public string TlsAddress => $"mqtts://127.0.0.1:{TlsPort}";

    public RunningBroker Broker => _broker ?? throw new InvalidOperationException("the upstream is stopped");

    /// <param name="requireClientCertificate">Refuse TLS clients without a certificate from the test CA.</param>
    /// <param name="settings">Further settings of the upstream broker.</param>
    public static async Task<EdgeBrokerUpstream> StartAsync(TestCertificates certificates, bool requireClientCertificate = false,
        IReadOnlyDictionary<string, string?>? settings = null)
    {
        var upstream = new EdgeBrokerUpstream(certificates, requireClientCertificate) { _settings = settings };
        await upstream.RestartAsync();
        return upstream;
    }

    public async Task RestartAsync()
    {
        var settings = new Dictionary<string, string?>(_requireClientCertificate ? _certificates.ClientCertificateSettings() : _certificates.PemSettings())
        {
            ["EdgeBroker:Port"] = Port.ToString(),
            ["EdgeBroker:Tls:Port"] = TlsPort.ToString(),
            [HostEngine.DataDirKey] = _data.FullName,
            ["EdgeBroker:AccessKeys:0:Id"] = Key,
            ["EdgeBroker:AccessKeys:0:Secret"] = Secret,
            ["EdgeBroker:Security:AllowAnonymous"] = "true",
        };
        foreach (var (key, value) in _settings ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        _broker = await new HostEngine().StartAsync(settings);
    }

    /// <summary>Stops it cleanly (its store stays): an outage as the gateway sees it.</summary>
    public async Task StopAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
            _broker = null;
        }
    }

    /// <summary>Gateway settings for an uplink to this upstream over TLS in Signature mode.</summary>
    public Dictionary<string, string?> GatewaySettings(string secret = Secret)
    {
        var settings = Gateway.Settings(TlsAddress);
        Gateway.With(settings, "AuthMode", "Signature");
        Gateway.With(settings, "AccessKeyId", Key);
        Gateway.With(settings, "AccessKeySecret", secret);
        Gateway.With(settings, "InstanceId", "edgebroker");
        Gateway.With(settings, "CaFile", _certificates.CaFile);
        return settings;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _data.Delete(recursive: true);
    }
}
