using System.Net;
using System.Text.Json;
using EdgeBroker.Core;
using EdgeBroker.Core.Text;
using EdgeBroker.Dashboard;
using EdgeBroker.Firmware.Relay;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace EdgeBroker.Emulator;

/// <summary>
/// A small HTTP endpoint standing in for the device's pairing button and status LED: <c>POST /pairing</c> presses the
/// button, <c>GET /status</c> shows what the LED and the relay would tell, and the uplink's status (the JSON of
/// <c>$SYS/uplink/{name}/state</c>, null without an uplink). It also serves the host's dashboard at <c>/</c> with the
/// device's subset (<see cref="DashboardCapabilities"/>: no access keys, no device administration, the pairing button)
/// and its live feed. Loopback only, so it takes no access key; a request naming another host than this machine's
/// loopback (a DNS-rebound name) is refused, and so is a POST another site's page sent through a browser on this
/// machine (<see cref="CrossSiteRequest"/>). Kestrel, as the host's API: HttpListener answered a POST without a body
/// and without a Content-Length — <c>curl -X POST …/pairing</c> — with 411 itself, before the endpoint saw it.
/// </summary>
sealed class StatusEndpoint(EmulatedGateway gateway, int port, IRelayLog log) : IDisposable
{
    static readonly JsonSerializerOptions WebJson = new(JsonSerializerDefaults.Web);

    /// <summary>The names of this machine's loopback a request may give as its Host (a browser sends the URL's).</summary>
    static readonly string[] OwnHosts = ["127.0.0.1", "localhost"];

    readonly CancellationTokenSource _stopping = new();
    readonly Lazy<DashboardFeed> _feed = new(() => new DashboardFeed(gateway.Core));
    WebApplication? _server;

    /// <summary>Listens on 127.0.0.1; throws what Kestrel throws when it cannot (<c>ListenFailure</c> explains it).</summary>
    public void Start()
    {
        // The empty builder: no configuration files, environment variables or log providers of ASP.NET's own — the
        // emulator's settings come from edgebroker.conf and its flags, its log lines from its console log.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));

        // An open dashboard stream must not hold up a stop: Dispose ends the streams first, this bounds the rest.
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(2));
        var server = builder.Build();
        server.Run(ServeAsync);
        server.StartAsync().GetAwaiter().GetResult();
        _server = server;
    }

    public void Dispose()
    {
        // Ends the dashboards' streams, then the server (the token is not disposed: a stream may still be leaving).
        _stopping.Cancel();
        if (_server is { } server)
        {
            server.StopAsync().GetAwaiter().GetResult();
            server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    async Task ServeAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        if (!OwnHosts.Contains(request.Host.Host, StringComparer.OrdinalIgnoreCase))
        {
            // A page on a name rebound to 127.0.0.1 would otherwise be this endpoint's own origin to the browser.
            response.StatusCode = 400;
            return;
        }

        var path = request.Path.Value ?? string.Empty;
        if (HttpMethods.IsPost(request.Method) && CrossSiteRequest.Refusal(request) is { } refusal)
        {
            // Before anything is done: a page on another site must not press the pairing button through the browser.
            response.StatusCode = 403;
            log.Warning($"Refused POST {ClientTextForLog.Of(path)} from another site's page: {refusal}");
            return;
        }

        if (path == DashboardFeed.Path && HttpMethods.IsGet(request.Method))
        {
            await StreamAsync(context);
            return;
        }

        // The page, its files and the capabilities answer HEAD as the host's do (link checkers and uptime monitors ask
        // that way): the headers of GET, no body.
        var getOrHead = HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method);
        if (getOrHead && DashboardAssets.Find(path) is { } asset)
        {
            foreach (var (name, value) in DashboardAssets.Headers)
            {
                response.Headers[name] = value;
            }

            await WriteAsync(context, asset.ContentType, asset.Content);
            return;
        }

        if (path == DashboardCapabilities.Path && getOrHead)
        {
            await WriteAsync(context, "application/json", JsonSerializer.SerializeToUtf8Bytes(new DashboardCapabilities("emulator",
                BrokerVersion.Number, InstanceId: null, SignedRequests: false, Devices: false, DashboardCapabilities.PairingButton,
                gateway.Pairing.Group), WebJson));
            return;
        }

        // With or without a body: curl -X POST sends none (and no Content-Length), the page an empty one.
        if (path == "/pairing" && HttpMethods.IsPost(request.Method))
        {
            gateway.Pairing.Press();
            Console.WriteLine($"Pairing window for group {gateway.Pairing.Group} open for {gateway.Pairing.RemainingSeconds} s (HTTP)");
        }
        else if (path != "/status" || !HttpMethods.IsGet(request.Method))
        {
            response.StatusCode = 404;
            return;
        }

        var counters = gateway.Core.Counters;
        await WriteAsync(context, "application/json", JsonSerializer.SerializeToUtf8Bytes(new
        {
            connectedClients = gateway.Relay.ConnectedClients,
            maxClients = gateway.Settings.MaxClients,
            sessions = gateway.Core.SessionCount,
            retainedMessages = gateway.Relay.Retained.Count,
            willBytes = gateway.Core.WillBytes,
            maxWillBytes = gateway.Core.MaxWillBytes,
            willsRefused = gateway.Core.WillsRefused,
            retainedBytes = gateway.Relay.Retained.Bytes,
            maxRetainedBytes = gateway.Relay.Retained.MaxBytes,
            retainedRefused = gateway.Relay.Retained.Refused,
            sessionsRefused = gateway.Core.SessionsRefused,
            pairingGroup = gateway.Pairing.Group,
            pairingOpen = gateway.Pairing.IsOpen,
            pairingSecondsLeft = gateway.Pairing.RemainingSeconds,
            published = counters.Published,
            p2pDelivered = counters.P2PDelivered,
            pubSubDeliveries = counters.PubSubDeliveries,
            engineDropped = counters.EngineDropped,
            quotaDropped = counters.QuotaDropped,
            managedHeapBytes = GC.GetTotalMemory(false),
            uplink = gateway.Uplink is { } uplink ? JsonDocument.Parse(uplink.Uplink.Status(Clock.NowMs()).ToJson()).RootElement : (JsonElement?)null,
        }));
    }

    /// <summary>The dashboard's live feed: everything the device has, for every group (the device has no access keys),
    /// until the browser leaves or the endpoint stops.</summary>
    async Task StreamAsync(HttpContext context)
    {
        using var subscriber = _feed.Value.TryOpen(_ => true);
        if (subscriber is null)
        {
            context.Response.StatusCode = 503;
            return;
        }

        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        using var ending = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
        await subscriber.StreamAsync(context.Response.Body,
            () => DashboardSnapshot.Build(gateway.Core, gateway.Relay, gateway.Relay.Security, _ => true, includeUplinks: true), ending.Token);
    }

    static async Task WriteAsync(HttpContext context, string contentType, byte[] body)
    {
        context.Response.ContentType = contentType;
        context.Response.ContentLength = body.Length;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await context.Response.Body.WriteAsync(body, context.RequestAborted);
        }
    }
}
