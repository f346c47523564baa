using System.Net;
using System.Text.Json;
using EdgeBroker.Core;
using EdgeBroker.Dashboard;
using EdgeBroker.Firmware.Relay;

namespace EdgeBroker.Emulator;

/// <summary>
/// A small HTTP endpoint standing in for the device's pairing button and status LED: <c>POST /pairing</c> presses the
/// button, <c>GET /status</c> shows what the LED and the relay would tell, and the uplink's status (the JSON of
/// <c>$SYS/uplink/{name}/state</c>, null without an uplink). It also serves the host's dashboard at <c>/</c> with the
/// device's subset (<see cref="DashboardCapabilities"/>: no access keys, no device administration, the pairing button)
/// and its live feed. Loopback only, so it takes no access key; a POST another site's page sent through a browser on
/// this machine is refused (<see cref="CrossSiteRequest"/>).
/// </summary>
sealed class StatusEndpoint(EmulatedGateway gateway, int port, IRelayLog log) : IDisposable
{
    static readonly JsonSerializerOptions WebJson = new(JsonSerializerDefaults.Web);

    readonly HttpListener _listener = new();
    readonly CancellationTokenSource _stopping = new();
    readonly Lazy<DashboardFeed> _feed = new(() => new DashboardFeed(gateway.Core));

    public void Start()
    {
        // Both names of this machine's loopback: HttpListener answers only requests whose Host header matches a prefix
        // (http://localhost:PORT/ was a 404 with 127.0.0.1 alone).
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Prefixes.Add($"http://localhost:{port}/");
        _listener.Start();
        _ = Task.Run(ServeAsync);
    }

    public void Dispose()
    {
        // Ends the dashboards' streams, then the listener (the token is not disposed: a stream may still be leaving).
        _stopping.Cancel();
        _listener.Close();
    }

    async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (!_listener.IsListening)
            {
                return;
            }

            var path = context.Request.Url?.AbsolutePath ?? string.Empty;
            if (path == DashboardFeed.Path && context.Request.HttpMethod == "GET")
            {
                // A stream stays open while the page is: served beside the other requests, not in their line.
                _ = Task.Run(() => StreamAsync(context.Response));
                continue;
            }

            try
            {
                using var response = context.Response;
                await AnswerAsync(context.Request, path, response);
            }
            catch (Exception e) when (e is HttpListenerException or IOException or InvalidOperationException or ObjectDisposedException)
            {
                // This request is over — the client left, or HttpListener answered it itself (411 to a POST without a
                // length) — but the next ones are still served: one bad request must not end the endpoint.
            }
        }
    }

    async Task AnswerAsync(HttpListenerRequest request, string path, HttpListenerResponse response)
    {
        if (request.HttpMethod == "POST" && request.Headers["Content-Length"] is null && request.Headers["Transfer-Encoding"] is null)
        {
            // A POST without a length (curl -X POST without -d): HttpListener has answered it with 411 Length Required
            // itself, so the client was told no — and nothing is done, the pairing button least of all.
            return;
        }

        if (request.HttpMethod == "POST" && CrossSiteRequest.Refusal(request) is { } refusal)
        {
            // Before anything is done: a page on another site must not press the pairing button through the browser.
            response.StatusCode = 403;
            log.Warning($"Refused POST {path} from another site's page: {refusal}");
            return;
        }

        // The page, its files and the capabilities answer HEAD as the host's do (link checkers and uptime monitors ask
        // that way): the headers of GET, no body.
        var getOrHead = request.HttpMethod is "GET" or "HEAD";
        if (getOrHead && DashboardAssets.Find(path) is { } asset)
        {
            foreach (var (name, value) in DashboardAssets.Headers)
            {
                response.Headers[name] = value;
            }

            await WriteAsync(request, response, asset.ContentType, asset.Content);
            return;
        }

        if (path == DashboardCapabilities.Path && getOrHead)
        {
            await WriteAsync(request, response, "application/json", JsonSerializer.SerializeToUtf8Bytes(new DashboardCapabilities("emulator",
                BrokerVersion.Number, InstanceId: null, SignedRequests: false, Devices: false, DashboardCapabilities.PairingButton,
                gateway.Pairing.Group), WebJson));
            return;
        }

        if (path == "/pairing" && request.HttpMethod == "POST")
        {
            gateway.Pairing.Press();
            Console.WriteLine($"Pairing window for group {gateway.Pairing.Group} open for {gateway.Pairing.RemainingSeconds} s (HTTP)");
        }
        else if (path != "/status" || request.HttpMethod != "GET")
        {
            response.StatusCode = 404;
            return;
        }

        var counters = gateway.Core.Counters;
        await WriteAsync(request, response, "application/json", JsonSerializer.SerializeToUtf8Bytes(new
        {
            connectedClients = gateway.Relay.ConnectedClients,
            maxClients = gateway.Settings.MaxClients,
            sessions = gateway.Core.SessionCount,
            retainedMessages = gateway.Relay.Retained.Count,
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

    /// <summary>The dashboard's live feed: everything the device has, for every group (the device has no access keys).</summary>
    async Task StreamAsync(HttpListenerResponse response)
    {
        try
        {
            using var subscriber = _feed.Value.TryOpen(_ => true);
            if (subscriber is null)
            {
                response.StatusCode = 503;
                return;
            }

            response.ContentType = "text/event-stream";
            response.Headers["Cache-Control"] = "no-cache";
            response.SendChunked = true;
            await subscriber.StreamAsync(response.OutputStream,
                () => DashboardSnapshot.Build(gateway.Core, gateway.Relay, gateway.Relay.Security, _ => true, includeUplinks: true), _stopping.Token);
        }
        finally
        {
            // The page may have gone, or the listener closed, before the stream ended: nothing is left to tell.
            try
            {
                response.Close();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
            }
        }
    }

    static async Task WriteAsync(HttpListenerRequest request, HttpListenerResponse response, string contentType, byte[] body)
    {
        response.ContentType = contentType;
        response.ContentLength64 = body.Length;
        if (request.HttpMethod != "HEAD")
        {
            await response.OutputStream.WriteAsync(body);
        }
    }
}
