using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using EdgeBroker.EndToEnd.Tests.Presence;
using EdgeBroker.EndToEnd.Tests.Tls;
using EdgeBroker.Host.Configuration;
using MQTTnet;
using MQTTnet.Formatter;

namespace EdgeBroker.EndToEnd.Tests.WebSockets;

/// <summary>
/// MQTT over WebSocket on the host engine (the device has no WebSocket listener): real clients — MQTTnet's WebSocket
/// transport, MQTT.js in Node as a browser dashboard runs it — over ws:// and, with TLS configured, wss://, exchanging
/// messages with TCP clients through the same connection path; and what is not MQTT over WebSocket refused, reported
/// once, without harm to anyone else.
/// </summary>
public sealed class MqttOverWebSocketTests(TestCertificates certificates) : IClassFixture<TestCertificates>
{
    static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(15);

    static Dictionary<string, string?> WithWebSocket(Dictionary<string, string?>? settings = null) =>
        new(settings ?? []) { ["EdgeBroker:WebSocketPort"] = "0" };

    static string Url(RunningBroker broker, bool secure = false) =>
        $"{(secure ? "wss" : "ws")}://{(secure ? "localhost" : broker.Host)}:{broker.WebSocketPort}/mqtt";

    static Task<TestClient> ConnectOverWebSocketAsync(RunningBroker broker, string clientId, MqttProtocolVersion protocol,
        X509Certificate2? trustedCa = null) =>
        TestClient.ConnectAsync(broker, clientId, protocol, webSocketUrl: Url(broker, secure: trustedCa is not null), configure: options =>
        {
            if (trustedCa is not null)
            {
                // MQTTnet's WebSocket transport does not apply WithTrustChain: the certificate is checked here.
                options.WithTlsOptions(tls => tls.UseTls().WithCertificateValidationHandler(e => IssuedBy(e.Certificate, trustedCa)));
            }
        });

    static bool IssuedBy(X509Certificate certificate, X509Certificate2 trustedCa)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(trustedCa);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var server = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(server);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task A_websocket_client_and_a_tcp_client_exchange_messages_both_ways(MqttProtocolVersion protocol)
    {
        await using var broker = await Engines.StartAsync(Engines.Host, WithWebSocket());
        await using var browser = await ConnectOverWebSocketAsync(broker, "GID_web@@@dashboard", protocol);
        await using var sensor = await TestClient.ConnectAsync(broker, "GID_dev@@@sensor", protocol);
        await browser.SubscribeAsync("sensors/#");
        await sensor.SubscribeAsync("commands/#");
        // Above 65,535 bytes: a frame with the 8-byte length, both ways.
        var large = new string('x', 70_000);

        await sensor.PublishAsync("sensors/temperature", "21.5");
        await sensor.PublishAsync("sensors/image", large);
        await browser.PublishAsync("commands/valve", "open");
        await browser.PublishAsync("commands/firmware", large);

        Assert.Equal(new[] { "21.5", large }, await browser.ReceivePayloadsAsync(2));
        Assert.Equal(new[] { "open", large }, await sensor.ReceivePayloadsAsync(2));
    }

    [Fact]
    public async Task P2p_messages_pass_between_a_websocket_client_and_a_tcp_client()
    {
        await using var broker = await Engines.StartAsync(Engines.Host, WithWebSocket());
        await using var dashboard = await ConnectOverWebSocketAsync(broker, "GID_web@@@dashboard", MqttProtocolVersion.V500);
        await using var valve = await TestClient.ConnectAsync(broker, "GID_dev@@@valve");

        await dashboard.PublishAsync("GID_web/p2p/GID_dev@@@valve", "open");
        var command = await valve.ReceiveAsync();
        await valve.PublishAsync("GID_dev/p2p/GID_web@@@dashboard", "opened");
        var answer = await dashboard.ReceiveAsync();

        Assert.Equal(("GID_web/p2p/GID_dev@@@valve", "open"), (command.Topic, command.ConvertPayloadToString()));
        Assert.Equal(("GID_dev/p2p/GID_web@@@dashboard", "opened"), (answer.Topic, answer.ConvertPayloadToString()));
    }

    [Fact]
    public async Task With_tls_configured_the_websocket_port_serves_wss_with_the_brokers_certificate()
    {
        await using var broker = await Engines.StartAsync(Engines.Host, WithWebSocket(certificates.PemSettings()));
        await using var browser = await ConnectOverWebSocketAsync(broker, "GID_web@@@secure", MqttProtocolVersion.V500, certificates.Ca);
        await using var sensor = await MqttNetOverTls.ConnectAsync(broker, certificates.Ca, "GID_dev@@@sensor");
        await browser.SubscribeAsync("sensors/#");

        await sensor.PublishAsync("sensors/temperature", "over wss");

        Assert.Equal("over wss", (await browser.ReceiveAsync()).ConvertPayloadToString());
        await Assert.ThrowsAnyAsync<Exception>(() => ConnectOverWebSocketAsync(broker, "GID_web@@@plain", MqttProtocolVersion.V500));
    }

    [Fact]
    public async Task A_websocket_connection_takes_over_a_tcp_one_and_presence_names_the_websocket_peer()
    {
        await using var broker = await Engines.StartAsync(Engines.Host, WithWebSocket());
        await using var watcher = await PresenceWatcher.StartAsync(broker, "$SYS/presence/GID_x/+");
        await using var overTcp = await RawMqttConnection.OpenAsync(broker);
        Assert.Equal(0, await overTcp.ConnectAsync("GID_x@@@device"));
        var tcpConnect = await watcher.NextAsync();

        await using var overWebSocket = await RawMqttConnection.OpenWebSocketAsync(broker, keepAlive: Timeout.InfiniteTimeSpan);
        Assert.Equal(0, await overWebSocket.ConnectAsync("GID_x@@@device"));
        var takeover = await watcher.NextAsync(2);

        Assert.Equal(overTcp.LocalEndPoint, tcpConnect.ClientIp);
        var webSocketConnect = Assert.Single(takeover, e => e.ChannelId != tcpConnect.ChannelId);
        Assert.Equal(("connect", overWebSocket.LocalEndPoint), (webSocketConnect.EventType, webSocketConnect.ClientIp));
        Assert.Equal("tcpclean", Assert.Single(takeover, e => e.ChannelId == tcpConnect.ChannelId).EventType);
        Assert.True(await overTcp.IsClosedByBrokerAsync(TimeSpan.FromSeconds(3)));
    }

    [ToolTheory(Tool.MqttJs)]
    [InlineData(4)]
    [InlineData(5)]
    public async Task Mqtt_js_over_websocket_publishes_to_and_receives_from_a_tcp_client(int protocolVersion)
    {
        await using var broker = await Engines.StartAsync(Engines.Host, WithWebSocket());
        await RunMqttJsAsync(broker, Url(broker), protocolVersion, caFile: null);
    }

    [ToolFact(Tool.MqttJs)]
    public async Task Mqtt_js_over_wss_trusting_the_test_ca_is_served()
    {
        await using var broker = await Engines.StartAsync(Engines.Host, WithWebSocket(certificates.PemSettings()));
        await RunMqttJsAsync(broker, Url(broker, secure: true), 5, certificates.CaFile);
    }

    /// <summary>MQTT.js subscribes to a topic and publishes to it; a TCP client subscribed to the same topic receives
    /// that message and publishes one MQTT.js must receive too.</summary>
    static async Task RunMqttJsAsync(RunningBroker broker, string url, int protocolVersion, string? caFile)
    {
        await using var tcp = await TestClient.ConnectAsync(broker, "GID_dev@@@tcp");
        await tcp.SubscribeAsync("web/chat");
        var script = Path.Combine(ExternalTools.MqttJsDirectory, "mqttjs_websocket.js");
        string[] arguments = caFile is null
            ? [script, url, protocolVersion.ToString(), "GID_web@@@mqttjs", "web/chat"]
            : [script, url, protocolVersion.ToString(), "GID_web@@@mqttjs", "web/chat", caFile];
        await using var mqttJs = ProcessRunner.Start(ExternalTools.Node, arguments);

        var fromMqttJs = await tcp.ReceiveAsync(ToolTimeout);
        await mqttJs.WaitForOutputAsync(ToolTimeout, $"received web/chat from mqtt.js v{protocolVersion}");
        await tcp.PublishAsync("web/chat", "from tcp");
        var exitCode = await mqttJs.WaitForExitAsync(ToolTimeout);

        Assert.True(exitCode == 0, $"MQTT.js failed ({exitCode}): {mqttJs.Errors}");
        Assert.Equal($"from mqtt.js v{protocolVersion}", fromMqttJs.ConvertPayloadToString());
        Assert.Contains("received web/chat from tcp", mqttJs.Output);
    }

    [Theory]
    [InlineData("GET /mqtt HTTP/1.1\r\nHost: gateway\r\n\r\n", "426", "does not ask for a WebSocket upgrade")]
    [InlineData("GET /mqtt HTTP/1.1\r\nHost: gateway\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n" +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: graphql-ws\r\n\r\n", "400", "graphql-ws offered, not mqtt")]
    [InlineData("GET /ws HTTP/1.1\r\nHost: gateway\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n" +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n", "404", "MQTT over WebSocket is served at /mqtt")]
    [InlineData("\u0010\u000c\u0000\u0004MQTT\u0004\u0002\u0000\u003c\u0000\u0000", "400", "not an HTTP request")]
    public async Task A_request_that_is_not_an_mqtt_websocket_upgrade_is_refused_with_the_reason_and_logged(
        string request, string status, string problem)
    {
        await using var broker = await Engines.StartAsync(Engines.Host, WithWebSocket());
        using var socket = new TcpClient();
        await socket.ConnectAsync(broker.Host, broker.WebSocketPort);
        var stream = socket.GetStream();

        await stream.WriteAsync(Encoding.Latin1.GetBytes(request));
        var response = await ReadToEndAsync(stream);

        Assert.StartsWith($"HTTP/1.1 {status} ", response);
        Assert.Contains("This port serves MQTT over WebSocket only", response);
        await Eventually.WaitUntilAsync(() => broker.LoggedProblems.Any(line => line.Contains(problem)), () => "the refusal was not logged");
        await using var client = await ConnectOverWebSocketAsync(broker, "GID_web@@@after", MqttProtocolVersion.V311);
        Assert.True(client.Client.IsConnected);
    }

    [Fact]
    public async Task A_text_frame_closes_the_websocket_with_1003_and_is_logged()
    {
        await using var broker = await Engines.StartAsync(Engines.Host, WithWebSocket());
        using var webSocket = new ClientWebSocket();
        webSocket.Options.AddSubProtocol("mqtt");
        await webSocket.ConnectAsync(new Uri(Url(broker)), CancellationToken.None);

        await webSocket.SendAsync("{\"cmd\":\"connect\"}"u8.ToArray(), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        using var timeout = new CancellationTokenSource(ToolTimeout);
        var result = await webSocket.ReceiveAsync(new byte[64], timeout.Token);

        Assert.Equal("mqtt", webSocket.SubProtocol);
        Assert.Equal(WebSocketMessageType.Close, result.MessageType);
        Assert.Equal(WebSocketCloseStatus.InvalidMessageType, webSocket.CloseStatus);
        await Eventually.WaitUntilAsync(() => broker.LoggedProblems.Any(line => line.Contains("text frame")), () => "the text frame was not logged");
    }

    const string UpgradeRequest = "GET /mqtt HTTP/1.1\r\nHost: gateway\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: mqtt\r\n";

    /// <summary>With <c>WebSocketOrigins</c> set, a page of another site is refused (a browser names it in Origin and a
    /// page cannot change it); a listed site — written in the settings as people write URLs — and a client that is not
    /// a web page (no Origin) are served.</summary>
    [Theory]
    [InlineData("Origin: https://evil.example\r\n", "403")]
    [InlineData("Origin: null\r\n", "403")]
    [InlineData("Origin: https://dashboard.example.com\r\n", "101")]
    [InlineData("Origin: http://localhost:5173\r\n", "101")]
    [InlineData("", "101")]
    public async Task With_websocket_origins_set_only_pages_of_those_sites_and_clients_without_origin_are_upgraded(string originHeader, string status)
    {
        await using var broker = await Engines.StartAsync(Engines.Host, WithWebSocket(new Dictionary<string, string?>
        {
            ["EdgeBroker:WebSocketOrigins:0"] = "https://Dashboard.example.com:443/",
            ["EdgeBroker:WebSocketOrigins:1"] = "http://localhost:5173",
        }));
        using var socket = new TcpClient();
        await socket.ConnectAsync(broker.Host, broker.WebSocketPort);
        var stream = socket.GetStream();

        await stream.WriteAsync(Encoding.ASCII.GetBytes(UpgradeRequest + originHeader + "\r\n"));
        var response = await ReadHeaderAsync(stream);

        Assert.StartsWith($"HTTP/1.1 {status} ", response);
        if (status == "403")
        {
            var origin = originHeader["Origin: ".Length..].TrimEnd();
            await Eventually.WaitUntilAsync(() => broker.LoggedProblems.Any(line => line.Contains($"a page of {origin}, not one of the sites in WebSocketOrigins")),
                () => "the refused origin was not logged");
        }
    }

    [Fact]
    public void A_websocket_origin_that_is_not_a_sites_origin_stops_the_start_naming_the_entry()
    {
        var settings = new BrokerOptions
        {
            WebSocketPort = 0,
            WebSocketOrigins = ["https://app.example.com", "app.example.com", "https://app.example.com/dashboard"],
        };

        var problems = settings.Validate().Where(problem => problem.Contains("is not a web site's origin")).ToList();

        Assert.Equal(2, problems.Count);
        Assert.Contains("'app.example.com' (--websocket-origin)", problems[0]);
        Assert.Contains("'https://app.example.com/dashboard'", problems[1]);
    }

    /// <summary>A browser sends every cookie it holds for the broker's host name, whatever port set it — on a
    /// developer's localhost, those of every other web app there: an upgrade with 12 KB of them is served.</summary>
    [Fact]
    public async Task An_upgrade_with_12_kb_of_a_browsers_cookies_of_other_apps_on_the_host_is_served()
    {
        await using var broker = await Engines.StartAsync(Engines.Host, WithWebSocket());
        using var socket = new TcpClient();
        await socket.ConnectAsync(broker.Host, broker.WebSocketPort);
        var stream = socket.GetStream();
        var cookies = string.Join("; ", Enumerable.Range(0, 120).Select(i => $"app{i:D3}_session=" + new string('c', 85)));

        await stream.WriteAsync(Encoding.ASCII.GetBytes(UpgradeRequest + "Origin: http://localhost:3000\r\nCookie: " + cookies + "\r\n\r\n"));
        var response = await ReadHeaderAsync(stream);

        Assert.StartsWith("HTTP/1.1 101 ", response);
    }

    /// <summary>RFC 6455 §7.1.2: an endpoint closing the connection sends a close frame first. Without one a browser
    /// reports the close as abnormal (<c>CloseEvent.code</c> 1006, <c>wasClean</c> false) — the same as a lost network —
    /// whether the client sent DISCONNECT or another connection took its client ID over.</summary>
    [Theory]
    [InlineData("after the client's DISCONNECT")]
    [InlineData("after a takeover")]
    public async Task When_the_broker_ends_a_websocket_connection_it_sends_a_close_frame_first(string ending)
    {
        await using var broker = await Engines.StartAsync(Engines.Host, WithWebSocket());
        using var webSocket = new ClientWebSocket();
        webSocket.Options.AddSubProtocol("mqtt");
        await webSocket.ConnectAsync(new Uri(Url(broker)), CancellationToken.None);
        // MQTT 3.1.1 CONNECT, clean session, keep-alive 60 s, client ID GID_web@@@tab.
        await webSocket.SendAsync(new byte[] { 0x10, 0x19, 0, 4, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 4, 0x02, 0, 60, 0, 13 }
            .Concat(Encoding.ASCII.GetBytes("GID_web@@@tab")).ToArray(), WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None);
        using var timeout = new CancellationTokenSource(ToolTimeout);
        var connack = new byte[4];
        Assert.Equal(4, (await webSocket.ReceiveAsync(connack, timeout.Token)).Count);
        Assert.Equal(new byte[] { 0x20, 0x02, 0x00, 0x00 }, connack);

        await using var otherTab = ending == "after a takeover" ? await TestClient.ConnectAsync(broker, "GID_web@@@tab") : null;
        if (otherTab is null)
        {
            await webSocket.SendAsync(new byte[] { 0xE0, 0x00 }, WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None);
        }

        var result = await webSocket.ReceiveAsync(new byte[64], timeout.Token);

        Assert.Equal(WebSocketMessageType.Close, result.MessageType);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, webSocket.CloseStatus);
    }

    /// <summary>RFC 6455 §7.1.1: having sent its close frame, the broker waits for the client's before it closes the TCP
    /// connection. It used to close at once, so a client's own close frame met a closed socket: MQTT.js ended a clean
    /// DISCONNECT with <c>write EPIPE</c>, now and then.</summary>
    [Fact]
    public async Task After_its_close_frame_the_broker_waits_for_the_clients_close_before_closing_tcp()
    {
        await using var broker = await Engines.StartAsync(Engines.Host, WithWebSocket());
        using var socket = new TcpClient();
        await socket.ConnectAsync(broker.Host, broker.WebSocketPort);
        var stream = socket.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(UpgradeRequest + "\r\n"));
        Assert.StartsWith("HTTP/1.1 101 ", await ReadHeaderAsync(stream));
        await stream.WriteAsync(MaskedFrame(0x2, [0x10, 0x19, 0, 4, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 4, 0x02, 0, 60, 0, 13,
            .. Encoding.ASCII.GetBytes("GID_web@@@tab")]));
        Assert.Equal(new byte[] { 0x82, 0x04, 0x20, 0x02, 0x00, 0x00 }, await ReadExactlyAsync(stream, 6));

        await stream.WriteAsync(MaskedFrame(0x2, [0xE0, 0x00]));
        Assert.Equal(new byte[] { 0x88, 0x02, 0x03, 0xE8 }, await ReadExactlyAsync(stream, 4));
        await Task.Delay(300);
        var openAfterItsClose = !socket.Client.Poll(0, SelectMode.SelectRead);
        await stream.WriteAsync(MaskedFrame(0x8, [0x03, 0xE8]));
        var rest = await ReadToEndBytesAsync(stream);

        Assert.True(openAfterItsClose, "the broker closed TCP before the client's close frame");
        Assert.Empty(rest);
    }

    /// <summary>A client frame with payload <paramref name="payload"/>, masked with the key 0 (RFC 6455 §5.3: a client
    /// masks every frame; this key leaves the payload as it is).</summary>
    static byte[] MaskedFrame(byte opcode, byte[] payload) => [(byte)(0x80 | opcode), (byte)(0x80 | payload.Length), 0, 0, 0, 0, .. payload];

    static async Task<byte[]> ReadExactlyAsync(NetworkStream stream, int count)
    {
        var bytes = new byte[count];
        await stream.ReadExactlyAsync(bytes).AsTask().WaitAsync(ToolTimeout);
        return bytes;
    }

    [Fact]
    public async Task A_frame_claiming_more_than_the_maximum_packet_size_closes_with_1009_before_its_payload()
    {
        await using var broker = await Engines.StartAsync(Engines.Host, WithWebSocket());
        using var socket = new TcpClient();
        await socket.ConnectAsync(broker.Host, broker.WebSocketPort);
        var stream = socket.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("GET /mqtt HTTP/1.1\r\nHost: gateway\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: mqttv3.1, mqtt\r\n\r\n"));
        var upgrade = await ReadHeaderAsync(stream);

        // A binary frame claiming 2^40 bytes, masked, of which nothing follows.
        await stream.WriteAsync(new byte[] { 0x82, 0xFF, 0, 0, 0x01, 0, 0, 0, 0, 0, 1, 2, 3, 4 });
        var close = await ReadToEndBytesAsync(stream);

        Assert.StartsWith("HTTP/1.1 101 ", upgrade);
        // RFC 6455 §4.2.2's sample key, and mqtt chosen over mqttv3.1 [MQTT-6.0.0-4].
        Assert.Contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n", upgrade);
        Assert.Contains("Sec-WebSocket-Protocol: mqtt\r\n", upgrade);
        Assert.Equal(new byte[] { 0x88, 0x02, 0x03, 0xF1 }, close);
        await Eventually.WaitUntilAsync(() => broker.LoggedProblems.Any(line => line.Contains("above the maximum packet size")),
            () => "the oversize frame was not logged");
    }

    [Fact]
    public async Task The_connection_rate_per_address_counts_websocket_and_tcp_connections_together()
    {
        await using var broker = await Engines.StartAsync(Engines.Host, WithWebSocket(new Dictionary<string, string?>
        {
            ["EdgeBroker:Connections:MaxConnectionsPerSource"] = "1",
            ["EdgeBroker:Connections:ConnectionRateWindowSeconds"] = "60",
        }));
        await using var tcp = await TestClient.ConnectAsync(broker, "GID_dev@@@first");

        await Assert.ThrowsAnyAsync<Exception>(() => ConnectOverWebSocketAsync(broker, "GID_web@@@second", MqttProtocolVersion.V311));

        Assert.True(tcp.Client.IsConnected);
        await Eventually.WaitUntilAsync(() => broker.LoggedProblems.Any(line => line.Contains("more than 1 new connections")),
            () => "the refused WebSocket connection was not logged");
    }

    /// <summary>The HTTP response head, up to its blank line.</summary>
    static async Task<string> ReadHeaderAsync(NetworkStream stream)
    {
        var header = new List<byte>();
        var one = new byte[1];
        while (!(header.Count >= 4 && header[^4] == '\r' && header[^3] == '\n' && header[^2] == '\r' && header[^1] == '\n'))
        {
            Assert.Equal(1, await stream.ReadAsync(one).AsTask().WaitAsync(ToolTimeout));
            header.Add(one[0]);
        }

        return Encoding.Latin1.GetString(header.ToArray());
    }

    static async Task<string> ReadToEndAsync(NetworkStream stream) => Encoding.UTF8.GetString(await ReadToEndBytesAsync(stream));

    /// <summary>Everything the broker sends until it closes the connection (within the test's timeout).</summary>
    static async Task<byte[]> ReadToEndBytesAsync(NetworkStream stream)
    {
        using var all = new MemoryStream();
        await stream.CopyToAsync(all).WaitAsync(ToolTimeout);
        return all.ToArray();
    }
}
