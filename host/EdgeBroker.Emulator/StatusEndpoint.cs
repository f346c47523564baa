using System.Net;
using System.Text.Json;
using EdgeBroker.Core;

namespace EdgeBroker.Emulator;

/// <summary>
/// A small HTTP endpoint standing in for the device's pairing button and status LED: <c>POST /pairing</c> presses the
/// button, <c>GET /status</c> shows what the LED and the relay would tell, and the uplink's status (the JSON of
/// <c>$SYS/uplink/{name}/state</c>, null without an uplink). Loopback only.
/// </summary>
sealed class StatusEndpoint(EmulatedGateway gateway, int port) : IDisposable
{
    readonly HttpListener _listener = new();

    public void Start()
    {
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _ = Task.Run(ServeAsync);
    }

    public void Dispose() => _listener.Close();

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

            using var response = context.Response;
            var path = context.Request.Url?.AbsolutePath ?? string.Empty;
            if (path == "/pairing" && context.Request.HttpMethod == "POST")
            {
                gateway.Pairing.Press();
                Console.WriteLine($"Pairing window for group {gateway.Pairing.Group} open for {gateway.Pairing.RemainingSeconds} s (HTTP)");
            }
            else if (path != "/status" || context.Request.HttpMethod != "GET")
            {
                response.StatusCode = 404;
                continue;
            }

            var counters = gateway.Core.Counters;
            var body = JsonSerializer.SerializeToUtf8Bytes(new
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
            });
            response.ContentType = "application/json";
            await response.OutputStream.WriteAsync(body);
        }
    }
}
