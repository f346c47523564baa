using EdgeBroker.Core.Text;
using EdgeBroker.Host.Configuration;
using EdgeBroker.Host.Http.Signing;
using EdgeBroker.Host.Monitoring;
using EdgeBroker.Host.Runtime;
using EdgeBroker.Host.Tls;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeBroker.Host.Http;

/// <summary>
/// The HTTP API's Kestrel listener: bound like the MQTT listener (same address, its own port), HTTPS when TLS is
/// configured, reported with one start-up line once it listens, and its port discoverable when the setting is 0.
/// </summary>
sealed class HttpApiListener(
    IServer server,
    IOptions<BrokerOptions> options,
    AccessKeyRing accessKeys,
    IHostApplicationLifetime lifetime,
    ILogger<HttpApiListener> logger) : IHostedService
{
    /// <summary>The address actually listened on (its port differs from the setting when that is 0, its scheme is https
    /// when TLS is configured); null before the server starts.</summary>
    public Uri? BoundAddress =>
        server.Features.Get<IServerAddressesFeature>()?.Addresses.Select(address => new Uri(address)).FirstOrDefault();

    /// <summary>The port actually listened on; 0 before the server starts.</summary>
    public int BoundPort => BoundAddress?.Port ?? 0;

    /// <param name="tls">The server's TLS material. Kestrel reads its options while the host is built, before Program
    /// has validated the settings and loaded the certificate (stopping the start with a message if it cannot), so the
    /// certificate is fetched when a client connects, not here.</param>
    /// <param name="limits">What a request and the port as a whole may cost.</param>
    public static void Listen(KestrelServerOptions kestrel, BrokerOptions settings, Func<ServerTls> tls, HttpLimits limits)
    {
        HttpLimits.Apply(kestrel.Limits);

        // Invalid settings get no listener here and are reported, by name, by the validation.
        if (settings.Validate().Count == 0)
        {
            kestrel.Listen(settings.BindAddress, settings.HttpPort, listen =>
            {
                // First, so a connection beyond the limit costs no TLS handshake.
                listen.Use(limits.LimitConnections);

                // With TLS configured the API is HTTPS only, with the MQTT listener's certificate: its signed requests
                // should not cross the network in the clear when MQTT does not.
                if (settings.Tls.IsEnabled)
                {
                    listen.UseHttps(new HttpsConnectionAdapterOptions
                    {
                        ServerCertificateSelector = (_, _) => tls().Certificate,
                        SslProtocols = ServerTls.Protocols,
                    });
                }
            });
        }
    }

    /// <summary>Why Kestrel could not listen and what to do about it, worded for the user (<see cref="ListenFailure"/>),
    /// or null when <paramref name="failure"/>, thrown from the host's start, is something else.</summary>
    public static string? CannotListenReason(Exception failure) => ListenFailure.Explain(failure, "--http-port");

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Kestrel binds in its own hosted service; by ApplicationStarted every listener is up.
        lifetime.ApplicationStarted.Register(Announce);
        lifetime.ApplicationStopped.Register(() => logger.LogInformation(LogEvents.Listening, "HTTP API stopped"));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    void Announce()
    {
        var settings = options.Value;
        if (accessKeys.Count == 0)
        {
            logger.LogInformation(LogEvents.Listening,
                "HTTP API on {Scheme}://{Host}:{Port} (dashboard at /, online status, tokens, pairing, devices; no access keys configured, so every signed request is refused (the dashboard page and /metrics need none): add one with --access-key-file, under AccessKeys in a settings file, or as EdgeBroker__AccessKeys__0__Id and __Secret)",
                BoundAddress?.Scheme, UrlHost.Of(settings.Bind), BoundPort);
        }
        else
        {
            logger.LogInformation(LogEvents.Listening, "HTTP API on {Scheme}://{Host}:{Port} (dashboard at /, online status, tokens, pairing, devices; instance {InstanceId}, {Count} access key(s))",
                BoundAddress?.Scheme, UrlHost.Of(settings.Bind), BoundPort, settings.InstanceId, accessKeys.Count);
        }
    }
}
