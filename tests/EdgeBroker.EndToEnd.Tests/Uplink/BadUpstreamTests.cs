using System.Text.Json;
using System.Net;
using System.Net.Sockets;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using EdgeBroker.EndToEnd.Tests.Monitoring;
using EdgeBroker.EndToEnd.Tests.Tls;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgeBroker.EndToEnd.Tests.Uplink;

/// <summary>Upstreams that refuse, cannot be reached, or never acknowledge: the uplink says why and backs off, local
/// traffic carries on, memory stays bounded.</summary>
public sealed class BadUpstreamTests : IDisposable
{
    readonly TestCertificates _certificates = new();

    [Fact]
    public async Task Wrong_credentials_show_the_CONNACK_reason_once_the_backoff_grows_and_local_traffic_is_unaffected()
    {
        await using var upstream = await EdgeBrokerUpstream.StartAsync(_certificates);
        await using var gateway = await Gateway.StartAsync(Gateway.Forward(upstream.GatewaySettings(secret: "wrong-secret"), "data/#"));

        await Eventually.WaitUntilAsync(async () => (await gateway.StatusAsync()).GetProperty("lastError").GetString() is { } error
            && error.Contains("BadUserNameOrPassword"), () => "the refusal did not show");
        var status = await BackingOffAfterAsync(gateway, failures: 3);
        Assert.True(status.GetProperty("backoffCapMs").GetInt32() > 100, status.ToString());
        Assert.DoesNotContain("wrong-secret", status.ToString());
        var logged = Assert.Single(gateway.Broker.LoggedProblems, line => line.Contains("Uplink cloud: backing-off", StringComparison.Ordinal));
        Assert.Contains("BadUserNameOrPassword", logged);
        Assert.Contains("unchanged repeats are logged every 10 min", logged);

        await using var listener = await TestClient.ConnectAsync(gateway.Broker, "listener");
        await listener.SubscribeAsync("data/#");
        await using var sensor = await TestClient.ConnectAsync(gateway.Broker, "sensor", MqttProtocolVersion.V500);
        Assert.True((await sensor.PublishAsync("data/t", "local")).IsSuccess);
        Assert.Equal("local", System.Text.Encoding.UTF8.GetString((await listener.ReceiveAsync()).Payload.FirstSpan));
    }

    [Fact]
    public async Task A_certificate_for_another_name_is_refused_saying_so()
    {
        await using var upstream = await EdgeBrokerUpstream.StartAsync(_certificates);
        var settings = Gateway.With(upstream.GatewaySettings(), "ServerName", "cloud.example.com");
        await using var gateway = await Gateway.StartAsync(Gateway.Forward(settings, "data/#"));

        var error = await LastErrorStartingAsync(gateway, "TLS:");
        Assert.Contains("the certificate is not issued for cloud.example.com", error);
        Assert.DoesNotContain("chain", error);
        Assert.NotEqual("connected", (await gateway.StatusAsync()).GetProperty("state").GetString());
    }

    [Fact]
    public async Task A_certificate_from_an_unknown_ca_is_refused_saying_so()
    {
        await using var upstream = await EdgeBrokerUpstream.StartAsync(_certificates);
        var settings = upstream.GatewaySettings();
        settings.Remove($"{Gateway.Uplink}:CaFile");
        await using var gateway = await Gateway.StartAsync(Gateway.Forward(settings, "data/#"));

        var error = await LastErrorStartingAsync(gateway, "TLS:");
        Assert.Contains("its chain does not verify", error);
        Assert.Contains("set CaFile to the CA that issued it", error);
    }

    static async Task<string> LastErrorStartingAsync(Gateway gateway, string start)
    {
        string? error = null;
        await Eventually.WaitUntilAsync(async () => (error = (await gateway.StatusAsync()).GetProperty("lastError").GetString()) is not null
            && error.StartsWith(start, StringComparison.Ordinal), () => $"no error starting '{start}': {error}");
        return error!;
    }

    [Theory]
    [InlineData(true, "if that port speaks plain MQTT, the address needs mqtt://, not mqtts://")]
    [InlineData(false, "if that port speaks MQTT over TLS, the address needs mqtts://")]
    public async Task An_address_with_the_wrong_scheme_for_its_port_says_which_scheme_to_try(bool tlsToPlainPort, string hint)
    {
        await using var upstream = await EdgeBrokerUpstream.StartAsync(_certificates);
        var settings = upstream.GatewaySettings();
        settings[$"{Gateway.Uplink}:Addresses:0"] = tlsToPlainPort ? $"mqtts://127.0.0.1:{upstream.Port}" : $"mqtt://127.0.0.1:{upstream.TlsPort}";
        await using var gateway = await Gateway.StartAsync(Gateway.Forward(settings, "data/#"));

        var status = await BackingOffAfterAsync(gateway, failures: 1);
        Assert.Contains(hint, status.GetProperty("lastError").GetString());
    }

    [Fact]
    public async Task Messages_the_upstream_refuses_are_deleted_counted_apart_and_logged_once_per_thousand()
    {
        await using var upstream = await EdgeBrokerUpstream.StartAsync(_certificates);
        // The upstream refuses PUBLISHes to $ topics with PUBACK 0x87: the remote prefix sends every message there.
        await using var gateway = await Gateway.StartAsync(Gateway.Forward(upstream.GatewaySettings(), "data/#", remotePrefix: "$SYS/gw/", localPrefix: "data/"));
        await gateway.WaitForStateAsync("connected");
        await using var sensor = await TestClient.ConnectAsync(gateway.Broker, "sensor");

        for (var i = 0; i < 20; i++)
        {
            await sensor.PublishAsync("data/t", i.ToString());
        }

        var status = default(JsonElement);
        await Eventually.WaitUntilAsync(async () => (status = await gateway.StatusAsync()).GetProperty("refusedUpstream").GetInt64() == 20,
            () => $"the upstream's refusals were not counted: {status}");
        Assert.Equal(0, status.GetProperty("acknowledged").GetInt64());
        Assert.Equal(0, status.GetProperty("queued").GetInt32());
        var logged = Assert.Single(gateway.Broker.LoggedProblems, line => line.Contains("the upstream refused a message", StringComparison.Ordinal));
        Assert.Contains("NotAuthorized", logged);
    }

    [Fact]
    public async Task An_upstream_that_requires_a_client_certificate_gets_the_configured_one()
    {
        await using var upstream = await EdgeBrokerUpstream.StartAsync(_certificates, requireClientCertificate: true);
        var without = Gateway.Forward(upstream.GatewaySettings(), "data/#");
        await using (var refused = await Gateway.StartAsync(without))
        {
            await Eventually.WaitUntilAsync(async () => (await refused.StatusAsync()).GetProperty("failures").GetInt32() >= 1,
                () => "the upstream accepted a gateway without a client certificate");
        }

        var with = Gateway.Forward(upstream.GatewaySettings(), "data/#");
        Gateway.With(with, "ClientCertificateFile", _certificates.ClientCertificateFile);
        Gateway.With(with, "ClientKeyFile", _certificates.ClientKeyFile);
        await using var gateway = await Gateway.StartAsync(with);
        await gateway.WaitForStateAsync("connected");
    }

    [Fact]
    public async Task An_unreachable_upstream_is_reported_and_retried()
    {
        using var nobody = new ClosedPort();
        var settings = Gateway.Settings($"mqtt://127.0.0.1:{nobody.Port}");
        await using var gateway = await Gateway.StartAsync(Gateway.Forward(settings, "data/#"));

        var status = await BackingOffAfterAsync(gateway, failures: 2);
        Assert.StartsWith("network:", status.GetProperty("lastError").GetString());
    }

    [Fact]
    public async Task With_a_failover_list_each_backing_off_line_names_the_address_that_failed()
    {
        using var first = new ClosedPort();
        using var second = new ClosedPort();
        await using var broker = await HostProcess.StartAsync("--uplink", $"mqtt://127.0.0.1:{first.Port}",
            "--uplink", $"mqtt://127.0.0.1:{second.Port}", "--uplink-forward", "data/#", "--uplink-client-id", "gw");

        await broker.WaitForOutputAsync($"Uplink cloud: backing-off (mqtt://127.0.0.1:{second.Port}): network:");
        var backingOff = broker.Output.Split('\n').Where(line => line.Contains("Uplink cloud: backing-off")).ToList();
        Assert.Contains($"Uplink cloud: backing-off (mqtt://127.0.0.1:{first.Port}): network:", backingOff[0]);
    }

    [Fact]
    public async Task An_upstream_that_never_acknowledges_holds_the_in_flight_window_and_the_rest_stays_queued()
    {
        using var silent = new SilentUpstream();
        var settings = Gateway.With(Gateway.Settings($"mqtt://127.0.0.1:{silent.Port}"), "InFlightWindow", "16");
        await using var gateway = await Gateway.StartAsync(Gateway.Forward(settings, "data/#"));
        await gateway.WaitForStateAsync("connected");

        await using var sensor = await TestClient.ConnectAsync(gateway.Broker, "sensor", MqttProtocolVersion.V500);
        for (var i = 0; i < 200; i++)
        {
            Assert.True((await sensor.PublishAsync("data/t", i.ToString())).IsSuccess);
        }

        await Eventually.WaitUntilAsync(async () => (await gateway.StatusAsync()).GetProperty("sent").GetInt64() == 16,
            () => "the window was not filled");
        await Task.Delay(300);
        var status = await gateway.StatusAsync();
        Assert.Equal((16, 16L, 200, 0L), (status.GetProperty("inFlight").GetInt32(), status.GetProperty("sent").GetInt64(),
            status.GetProperty("queued").GetInt32(), status.GetProperty("acknowledged").GetInt64()));
    }

    [ToolTheory(Tool.MosquittoBroker)]
    [InlineData("RefuseNew")]
    [InlineData("DropOldest")]
    public async Task A_full_queue_refuses_new_messages_or_drops_the_oldest(string policy)
    {
        // The cloud application's persistent session is in place before the outage, so it gets what the gateway sends
        // as soon as the upstream is back.
        await using var upstream = await MosquittoUpstream.StartAsync();
        await using (var subscriber = await TestClient.ConnectAsync(MosquittoUpstreamTests.Upstream(upstream), "cloud-app", cleanStart: false))
        {
            await subscriber.SubscribeAsync("data/#");
        }

        await upstream.StopGracefullyAsync();
        var settings = Gateway.Forward(Gateway.Settings(upstream.Address), "data/#");
        Gateway.With(settings, "MaxQueuedMessages", "5");
        Gateway.With(settings, "FullPolicy", policy);
        await using var gateway = await Gateway.StartAsync(settings);
        await using var sensor = await TestClient.ConnectAsync(gateway.Broker, "sensor", MqttProtocolVersion.V500);

        var acks = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            acks.Add((await sensor.PublishAsync("data/t", i.ToString())).ReasonCode.ToString());
        }

        var status = await gateway.StatusAsync();
        Assert.Equal(5, status.GetProperty("queued").GetInt32());
        if (policy == "RefuseNew")
        {
            Assert.Equal(new[] { "Success", "Success", "Success", "Success", "Success", "QuotaExceeded", "QuotaExceeded" }, acks);
            Assert.Equal(2, status.GetProperty("refused").GetInt64());

            // One line says why, and it is the uplink's queue: no receiver's offline quota is involved.
            Assert.Single(gateway.Broker.LoggedProblems, line => line.Contains("the uplink's queue is full"));
            Assert.DoesNotContain(gateway.Broker.LoggedProblems, line => line.Contains("offline quota"));
            Assert.Equal(0, gateway.Broker.Counters!.QuotaDropped);
            using var http = new HttpClient { BaseAddress = gateway.Broker.HttpBaseAddress };
            Assert.Equal(2, (await MetricsScrapeTests.ScrapeAsync(http))["edgebroker_uplink_refused_total{uplink=\"cloud\"}"]);
        }
        else
        {
            Assert.All(acks, ack => Assert.Equal("Success", ack));
            Assert.Equal(2, status.GetProperty("dropped").GetInt64());
        }

        await upstream.RestartAsync();
        await gateway.WaitForStateAsync("connected", TimeSpan.FromSeconds(20));
        await using var cloud = await TestClient.ConnectAsync(MosquittoUpstreamTests.Upstream(upstream), "cloud-app", cleanStart: false);
        var expected = policy == "RefuseNew" ? new[] { "0", "1", "2", "3", "4" } : new[] { "2", "3", "4", "5", "6" };
        Assert.Equal(expected, await cloud.ReceivePayloadsAsync(5));
    }

    [Fact]
    public async Task A_full_queue_leaves_an_MQTT_3_1_1_publisher_without_PUBACK_so_it_sends_again()
    {
        using var nobody = new ClosedPort();
        var settings = Gateway.Forward(Gateway.Settings($"mqtt://127.0.0.1:{nobody.Port}"), "data/#");
        Gateway.With(settings, "MaxQueuedMessages", "1");
        Gateway.With(settings, "FullPolicy", "RefuseNew");
        await using var gateway = await Gateway.StartAsync(settings);
        await using var sensor = await TestClient.ConnectAsync(gateway.Broker, "sensor", MqttProtocolVersion.V311);

        Assert.True((await sensor.PublishAsync("data/t", "kept")).IsSuccess);
        await Assert.ThrowsAnyAsync<Exception>(() => sensor.PublishAsync("data/t", "refused"));

        Assert.False(sensor.Client.IsConnected);
        Assert.Equal(1, (await gateway.StatusAsync()).GetProperty("queued").GetInt32());
    }

    [Fact]
    public async Task An_upstream_that_refuses_MQTT_5_is_spoken_to_in_MQTT_3_1_1()
    {
        using var old = new SilentUpstream(mqtt311Only: true);
        await using var gateway = await Gateway.StartAsync(Gateway.Forward(Gateway.Settings($"mqtt://127.0.0.1:{old.Port}"), "data/#"));

        await gateway.WaitForStateAsync("connected");
        Assert.Equal(new byte[] { 5, 4 }, old.ProtocolLevels.Take(2));
    }

    public void Dispose() => _certificates.Dispose();

    /// <summary>An MQTT server that accepts the CONNECT and then reads everything without ever acknowledging; as an
    /// MQTT 3.1.1-only server it refuses an MQTT 5 CONNECT with return code 1 (unacceptable protocol version).</summary>
    /// <summary>The uplink's status once it has failed at least <paramref name="failures"/> times and is backing off,
    /// read as one snapshot: during an attempt the state is "connecting" and a second read could land in the next one.</summary>
    static async Task<JsonElement> BackingOffAfterAsync(Gateway gateway, int failures)
    {
        var status = default(JsonElement);
        await Eventually.WaitUntilAsync(async () =>
            {
                status = await gateway.StatusAsync();
                return status.GetProperty("failures").GetInt32() >= failures && status.GetProperty("state").GetString() == "backing-off";
            },
            () => $"the uplink did not fail {failures} times and back off: {status}");
        return status;
    }

    sealed class SilentUpstream : IDisposable
    {
        readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        readonly CancellationTokenSource _stop = new();
        readonly bool _mqtt311Only;

        public SilentUpstream(bool mqtt311Only = false)
        {
            _mqtt311Only = mqtt311Only;
            _listener.Start();
            _ = ServeAsync();
        }

        /// <summary>The protocol level of every CONNECT received (5: MQTT 5, 4: MQTT 3.1.1).</summary>
        public System.Collections.Concurrent.ConcurrentQueue<byte> ProtocolLevels { get; } = new();

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        async Task ServeAsync()
        {
            try
            {
                while (true)
                {
                    var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    _ = Task.Run(async () =>
                    {
                        using (client)
                        {
                            var stream = client.GetStream();
                            var buffer = new byte[4096];
                            await stream.ReadExactlyAsync(buffer.AsMemory(0, 2), _stop.Token);
                            await stream.ReadExactlyAsync(buffer.AsMemory(0, buffer[1]), _stop.Token);

                            // The variable header starts with the protocol name "MQTT" (2 + 4 bytes), then the level.
                            var level = buffer[6];
                            ProtocolLevels.Enqueue(level);
                            if (_mqtt311Only && level != 4)
                            {
                                await stream.WriteAsync(new byte[] { 0x20, 0x02, 0x00, 0x01 }, _stop.Token);
                                return;
                            }

                            // CONNACK, success: MQTT 5 with an empty property list, MQTT 3.1.1 without.
                            await stream.WriteAsync(level == 4 ? new byte[] { 0x20, 0x02, 0x00, 0x00 } : new byte[] { 0x20, 0x03, 0x00, 0x00, 0x00 }, _stop.Token);
                            while (await stream.ReadAsync(buffer, _stop.Token) > 0)
                            {
                            }
                        }
                    });
                }
            }
            catch (OperationCanceledException)
            {
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            _stop.Dispose();
        }
    }
}
