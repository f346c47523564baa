using System.Net.Sockets;
using EdgeBroker.Host.Configuration;
using EdgeBroker.Host.Http.Signing;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeBroker.Host.Http;

/// <summary>
/// The HTTP API's Kestrel listener: bound like the MQTT listener (same address, its own port), reported with one
/// start-up line once it listens, and its port discoverable when the setting is 0.
/// </summary>
sealed class HttpApiListener(
    IServer server,
    IOptions<BrokerOptions> options,
    AccessKeyRing accessKeys,
    IHostApplicationLifetime lifetime,
    ILogger<HttpApiListener> logger) : IHostedService
{
    /// <summary>The port actually listened on (differs from the setting when that is 0); 0 before the server starts.</summary>
    public int BoundPort =>
        server.Features.Get<IServerAddressesFeature>()?.Addresses.Select(address => new Uri(address).Port).FirstOrDefault() ?? 0;

    public static void Listen(KestrelServerOptions kestrel, BrokerOptions settings)
    {
        // Kestrel reads its options while the host is built, before Program validates the settings; invalid ones get
        // no listener here and are reported, by name, by the validation.
        if (settings.Validate().Count == 0)
        {
            kestrel.Listen(settings.BindAddress, settings.HttpPort);
        }
    }

    /// <summary>Why Kestrel could not listen, worded for the user, or null when <paramref name="failure"/> is something
    /// else. Kestrel reports it from the host's start as an IOException around the socket error.</summary>
    public static string? CannotListenReason(Exception failure) => failure switch
    {
        IOException { InnerException: AddressInUseException } => "the port is already in use",
        IOException { InnerException: SocketException socket } => socket.Message,
        _ => null,
    };

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Kestrel binds in its own hosted service; by ApplicationStarted every listener is up.
        lifetime.ApplicationStarted.Register(Announce);
        lifetime.ApplicationStopped.Register(() => logger.LogInformation("HTTP API stopped"));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    void Announce()
    {
        var settings = options.Value;
        if (accessKeys.Count == 0)
        {
            logger.LogInformation(
                "HTTP API on http://{Bind}:{Port} (online status, tokens, pairing, devices; no access keys configured, so every request is refused: add one with --access-key ID:SECRET)",
                settings.Bind, BoundPort);
        }
        else
        {
            logger.LogInformation("HTTP API on http://{Bind}:{Port} (online status, tokens, pairing, devices; instance {InstanceId}, {Count} access key(s))",
                settings.Bind, BoundPort, settings.InstanceId, accessKeys.Count);
        }
    }
}
