using System.Diagnostics;
using EdgeBroker.Core;
using EdgeBroker.Core.Uplink;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet;
using MQTTnet.Protocol;
using Xunit.Abstractions;

namespace EdgeBroker.EndToEnd.Tests.Uplink;

/// <summary>
/// The firmware's uplink, run by the emulator (the device's relay, core, flash queue and uplink driver, with the
/// emulator's socket client in place of M2Mqtt), against a real mosquitto upstream started by the test: forward and
/// subscribe rules with remap, QoS 0 and 1 both ways, order, an outage with 10,000 messages queued, and kill -9 of
/// the gateway while it drains its queue.
/// </summary>
public sealed class EmulatorUplinkTests(ITestOutputHelper output) : IAsyncLifetime
{
    static readonly string EmulatorDll = Path.Combine(AppContext.BaseDirectory, "EdgeBroker.Emulator.dll");

    MosquittoUpstream _upstream = null!;

    public async Task InitializeAsync()
    {
        if (ExternalTools.MissingReason(Tool.MosquittoBroker) is null)
        {
            _upstream = await MosquittoUpstream.StartAsync();
        }
    }

    public async Task DisposeAsync()
    {
        if (_upstream is not null)
        {
            await _upstream.DisposeAsync();
        }
    }

    /// <summary>edgebroker.conf for an uplink to the test's upstream: local <c>site/…</c> goes up as
    /// <c>gw/gw1/site/…</c>, remote <c>gw/gw1/cmd/…</c> comes down as <c>cmd/…</c>; a short backoff keeps tests fast
    /// and the flash log and queue are large enough for the outage test's 10,000 messages.</summary>
    Dictionary<string, string?> Settings() => new()
    {
        ["uplink"] = _upstream.Address,
        ["uplink_client_id"] = "gw1",
        ["uplink_forward"] = "site/#",
        ["uplink_forward_local_prefix"] = "site/",
        ["uplink_forward_remote_prefix"] = "gw/gw1/site/",
        ["uplink_subscribe"] = "gw/gw1/cmd/#",
        ["uplink_subscribe_remote_prefix"] = "gw/gw1/cmd/",
        ["uplink_subscribe_local_prefix"] = "cmd/",
        ["uplink_backoff_max_ms"] = "1000",
        ["uplink_max_queued_messages"] = "20000",
        ["uplink_max_queued_bytes"] = "8388608",
        ["flash_store_bytes"] = "16777216",
    };

    [ToolFact(Tool.MosquittoBroker)]
    public async Task Forward_and_subscribe_rules_remap_topics_at_QoS_0_and_1_both_ways()
    {
        await using var cloud = await CloudSubscriber.ConnectAsync(_upstream, "gw/gw1/site/#");
        await using var gateway = EmulatorEngine.Start(Settings());
        await WaitUntilConnectedAsync(gateway);
        await using var sensor = await TestClient.ConnectAsync(gateway, "sensor");
        await using var actuator = await TestClient.ConnectAsync(gateway, "actuator");
        await actuator.SubscribeAsync("cmd/#");

        await sensor.PublishAsync("site/temp", "21.5", MqttQualityOfServiceLevel.AtLeastOnce);
        await sensor.PublishAsync("site/hum", "40", MqttQualityOfServiceLevel.AtMostOnce);
        await sensor.PublishAsync("elsewhere/temp", "not forwarded", MqttQualityOfServiceLevel.AtLeastOnce);
        await Eventually.WaitUntilAsync(() => cloud.Received.Count >= 2, () => "the cloud received " + cloud.Received.Count + " of 2");

        Assert.Equal([("gw/gw1/site/temp", "21.5"), ("gw/gw1/site/hum", "40")], cloud.Received.Select(m => (m.Topic, m.Payload)));

        await cloud.Client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("gw/gw1/cmd/led").WithPayload("on")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        await cloud.Client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("gw/gw1/cmd/fan").WithPayload("off")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtMostOnce).Build());

        var led = await actuator.ReceiveAsync();
        var fan = await actuator.ReceiveAsync();
        Assert.Equal(("cmd/led", "on", MqttQualityOfServiceLevel.AtLeastOnce), (led.Topic, led.ConvertPayloadToString(), led.QualityOfServiceLevel));
        Assert.Equal(("cmd/fan", "off", MqttQualityOfServiceLevel.AtMostOnce), (fan.Topic, fan.ConvertPayloadToString(), fan.QualityOfServiceLevel));

        // What came down is never sent back up (the cloud saw only the sensor's two messages).
        await Task.Delay(TestClient.SilenceWindow);
        Assert.Equal(2, cloud.Received.Count);
    }

    [ToolFact(Tool.MosquittoBroker)]
    public async Task The_state_is_published_retained_on_SYS_uplink_and_follows_the_upstream()
    {
        await using var gateway = EmulatorEngine.Start(Settings());
        await WaitUntilConnectedAsync(gateway);
        await using (var watcher = await TestClient.ConnectAsync(gateway, "watcher"))
        {
            await watcher.SubscribeAsync("$SYS/uplink/cloud/state");
            var state = await watcher.ReceiveAsync();
            Assert.True(state.Retain);
            Assert.Contains("\"state\":\"connected\"", state.ConvertPayloadToString());
            Assert.Contains("\"address\":\"mqtt://127.0.0.1:" + _upstream.Port + "\"", state.ConvertPayloadToString());

            await _upstream.StopAsync();
            var lost = await watcher.ReceiveAsync();
            Assert.Contains("\"state\":\"backing-off\"", lost.ConvertPayloadToString());
            Assert.Contains("\"lastError\":\"", lost.ConvertPayloadToString());
            await _upstream.RestartAsync();
            await WaitUntilConnectedAsync(gateway);
        }
    }

    [ToolFact(Tool.MosquittoBroker)]
    public async Task A_thousand_QoS_1_messages_arrive_upstream_in_order()
    {
        const int Count = 1000;
        await using var cloud = await CloudSubscriber.ConnectAsync(_upstream, "gw/gw1/site/#");
        await using var gateway = EmulatorEngine.Start(Settings());
        await WaitUntilConnectedAsync(gateway);
        await using var sensor = await TestClient.ConnectAsync(gateway, "sensor");

        for (int i = 0; i < Count; i++)
        {
            await sensor.PublishAsync("site/seq", i.ToString(), MqttQualityOfServiceLevel.AtLeastOnce);
        }

        await Eventually.WaitUntilAsync(() => cloud.Received.Count >= Count, () => "the cloud received " + cloud.Received.Count + " of " + Count);
        Assert.Equal(Enumerable.Range(0, Count).Select(i => i.ToString()), cloud.Received.Select(m => m.Payload));
    }

    [ToolFact(Tool.MosquittoBroker)]
    public async Task During_an_outage_10000_QoS_1_messages_are_queued_and_all_arrive_in_order_once_it_is_back()
    {
        const int Count = 10_000;
        await using var cloud = await CloudSubscriber.ConnectAsync(_upstream, "gw/gw1/site/#");
        await using var gateway = EmulatorEngine.Start(Settings());
        await WaitUntilConnectedAsync(gateway);
        await _upstream.StopAsync();
        await Eventually.WaitUntilAsync(() => StateOf(gateway) != UplinkState.Connected, () => "the gateway did not notice the outage");

        await using (var sensor = await TestClient.ConnectAsync(gateway, "sensor"))
        {
            var publishing = Stopwatch.StartNew();
            for (int i = 0; i < Count; i++)
            {
                var result = await sensor.PublishAsync("site/seq", i.ToString(), MqttQualityOfServiceLevel.AtLeastOnce);
                Assert.True(result.IsSuccess);
            }

            output.WriteLine($"{Count} QoS 1 PUBLISHes acknowledged by the emulator (queued durably) in {publishing.ElapsedMilliseconds} ms");
        }

        Assert.Equal(Count, gateway.Gateway.Uplink!.Uplink.Status(Clock.NowMs()).Queued);
        await _upstream.RestartAsync();
        await cloud.ReconnectAsync();
        var draining = Stopwatch.StartNew();
        await Eventually.WaitUntilAsync(() => cloud.Distinct().FirstArrivals.Count >= Count,
            () => "the cloud received " + cloud.Distinct().FirstArrivals.Count + " of " + Count, TimeSpan.FromSeconds(120));
        var (arrived, duplicates) = cloud.Distinct();
        output.WriteLine($"drained {Count} in {draining.ElapsedMilliseconds} ms; {duplicates} duplicates");

        Assert.Equal(Enumerable.Range(0, Count).Select(i => i.ToString()), arrived);
        await Eventually.WaitUntilAsync(() => gateway.Gateway.Uplink!.Uplink.Status(Clock.NowMs()).Queued == 0, () => "the queue did not empty");
    }

    [ToolFact(Tool.MosquittoBroker)]
    public async Task Kill_minus_9_while_draining_loses_nothing_and_keeps_the_order()
    {
        const int Count = 3000;
        var dataDir = Directory.CreateTempSubdirectory("edgebroker-uplink-crash-");
        var port = FreePorts.Next();
        try
        {
            await using var cloud = await CloudSubscriber.ConnectAsync(_upstream, "gw/gw1/site/#");
            await _upstream.StopAsync();
            File.WriteAllLines(Path.Combine(dataDir.FullName, "edgebroker.conf"), Settings().Select(s => s.Key + " = " + s.Value));
            await using (var emulator = await StartEmulatorAsync(dataDir, port))
            {
                using var sensor = new MqttClientFactory().CreateMqttClient();
                await sensor.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId("sensor")
                    .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V311).Build());
                for (int i = 0; i < Count; i++)
                {
                    Assert.True((await sensor.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("site/seq").WithPayload(i.ToString())
                        .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build())).IsSuccess);
                }

                await _upstream.RestartAsync();
                await cloud.ReconnectAsync();
                await Eventually.WaitUntilAsync(() => cloud.Received.Count >= Count / 4, () => "draining did not start");
                Process.GetProcessById(emulator.ProcessId).Kill();
                output.WriteLine($"killed the gateway after {cloud.Received.Count} of {Count} had arrived");
            }

            await using (await StartEmulatorAsync(dataDir, port))
            {
                await Eventually.WaitUntilAsync(() => cloud.Distinct().FirstArrivals.Count >= Count,
                    () => "the cloud received " + cloud.Distinct().FirstArrivals.Count + " of " + Count, TimeSpan.FromSeconds(60));
            }

            var (arrived, duplicates) = cloud.Distinct();
            output.WriteLine($"{duplicates} duplicates (resent after the crash: MQTT 3.1.1 upstream, at-least-once)");
            Assert.Equal(Enumerable.Range(0, Count).Select(i => i.ToString()), arrived);
        }
        finally
        {
            dataDir.Delete(recursive: true);
        }
    }

    [ToolFact(Tool.MosquittoBroker)]
    public async Task A_full_queue_under_drop_oldest_acknowledges_and_drops_the_oldest_counted()
    {
        await using var cloud = await CloudSubscriber.ConnectAsync(_upstream, "gw/gw1/site/#");
        var settings = Settings();
        settings["uplink_max_queued_messages"] = "3";
        await using var gateway = EmulatorEngine.Start(settings);
        await WaitUntilConnectedAsync(gateway);
        await _upstream.StopAsync();
        await Eventually.WaitUntilAsync(() => StateOf(gateway) != UplinkState.Connected, () => "the gateway did not notice the outage");
        await using (var sensor = await TestClient.ConnectAsync(gateway, "sensor"))
        {
            for (int i = 0; i < 5; i++)
            {
                Assert.True((await sensor.PublishAsync("site/seq", i.ToString())).IsSuccess);
            }
        }

        Assert.Equal(2, gateway.Gateway.Uplink!.Uplink.Status(Clock.NowMs()).Dropped);
        await _upstream.RestartAsync();
        await cloud.ReconnectAsync();
        await Eventually.WaitUntilAsync(() => cloud.Received.Count >= 3, () => "the cloud received " + cloud.Received.Count + " of 3");
        Assert.Equal(["2", "3", "4"], cloud.Received.Select(m => m.Payload));
    }

    [ToolFact(Tool.MosquittoBroker)]
    public async Task A_full_queue_under_refuse_new_closes_a_3_1_1_publisher_without_PUBACK_and_keeps_what_it_queued()
    {
        await using var cloud = await CloudSubscriber.ConnectAsync(_upstream, "gw/gw1/site/#");
        var settings = Settings();
        settings["uplink_max_queued_messages"] = "3";
        settings["uplink_full_policy"] = "refuse-new";
        await using var gateway = EmulatorEngine.Start(settings);
        await WaitUntilConnectedAsync(gateway);
        await _upstream.StopAsync();
        await Eventually.WaitUntilAsync(() => StateOf(gateway) != UplinkState.Connected, () => "the gateway did not notice the outage");
        await using (var sensor = await TestClient.ConnectAsync(gateway, "sensor"))
        {
            for (int i = 0; i < 3; i++)
            {
                Assert.True((await sensor.PublishAsync("site/seq", i.ToString())).IsSuccess);
            }

            await Assert.ThrowsAnyAsync<Exception>(() => sensor.PublishAsync("site/seq", "refused"));
            await Eventually.WaitUntilAsync(() => !sensor.Client.IsConnected, () => "the relay kept the refused publisher's connection");
        }

        Assert.Equal(1, gateway.Gateway.Uplink!.Uplink.Status(Clock.NowMs()).Refused);
        await _upstream.RestartAsync();
        await cloud.ReconnectAsync();
        await Eventually.WaitUntilAsync(() => cloud.Received.Count >= 3, () => "the cloud received " + cloud.Received.Count + " of 3");
        await Task.Delay(TestClient.SilenceWindow);
        Assert.Equal(["0", "1", "2"], cloud.Received.Select(m => m.Payload));
    }

    [ToolFact(Tool.MosquittoBroker)]
    public async Task A_message_from_upstream_over_max_packet_size_is_skipped_acknowledged_and_counted_and_both_ways_carry_on()
    {
        await using var cloud = await CloudSubscriber.ConnectAsync(_upstream, "gw/gw1/site/#");
        await using var gateway = EmulatorEngine.Start(Settings());
        await WaitUntilConnectedAsync(gateway);
        await using var actuator = await TestClient.ConnectAsync(gateway, "actuator");
        await actuator.SubscribeAsync("cmd/#");

        // 10 KB at QoS 1 to a gateway that takes 4 KB packets (the device's default max_packet_size); then a small one.
        await cloud.Client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("gw/gw1/cmd/big").WithPayload(new string('x', 10_000))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        await cloud.Client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("gw/gw1/cmd/led").WithPayload("on")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

        var led = await actuator.ReceiveAsync();
        Assert.Equal(("cmd/led", "on"), (led.Topic, led.ConvertPayloadToString()));
        var status = gateway.Gateway.Uplink!.Uplink.Status(Clock.NowMs());
        Assert.Equal((UplinkState.Connected, 1L, 0, null), (status.State, status.DownTooLarge, status.Failures, status.LastError));
        Assert.Single(gateway.LoggedProblems, line => line.Contains("skipped a message from the upstream on gw/gw1/cmd/big") && line.Contains("max_packet_size 4096"));

        // The up path is not held back.
        await using (var sensor = await TestClient.ConnectAsync(gateway, "sensor"))
        {
            for (int i = 0; i < 100; i++)
            {
                await sensor.PublishAsync("site/seq", i.ToString(), MqttQualityOfServiceLevel.AtLeastOnce);
            }
        }

        await Eventually.WaitUntilAsync(() => cloud.Received.Count >= 100, () => "the cloud received " + cloud.Received.Count + " of 100");
        Assert.Equal(Enumerable.Range(0, 100).Select(i => i.ToString()), cloud.Received.Select(m => m.Payload));

        // Acknowledged: the upstream's persistent session does not send it again after a reconnect.
        await _upstream.StopAsync();
        await Eventually.WaitUntilAsync(() => StateOf(gateway) != UplinkState.Connected, () => "the gateway did not notice the outage");
        await _upstream.RestartAsync();
        await WaitUntilConnectedAsync(gateway);
        await Task.Delay(1000);
        await actuator.ExpectNothingAsync();
        Assert.Equal(1, gateway.Gateway.Uplink!.Uplink.Status(Clock.NowMs()).DownTooLarge);
    }

    [ToolFact(Tool.MosquittoBroker)]
    public async Task A_status_that_cannot_be_stored_does_not_stop_the_uplink_connecting_and_draining()
    {
        await using var cloud = await CloudSubscriber.ConnectAsync(_upstream, "gw/gw1/site/#");
        await using var gateway = EmulatorEngine.Start(Settings());
        await WaitUntilConnectedAsync(gateway);
        await _upstream.StopAsync();
        await Eventually.WaitUntilAsync(() => StateOf(gateway) != UplinkState.Connected, () => "the gateway did not notice the outage");

        // From now on every state report fails as the retained status did on a full drive, from inside the core's
        // transition (connecting first). The driver's own report catches a store's error and logs it once; this is
        // what the core does with whatever a report throws.
        var uplink = gateway.Gateway.Uplink!.Uplink;
        var report = uplink.StateChanged;
        int reports = 0;
        uplink.StateChanged = (changed, status) =>
        {
            Interlocked.Increment(ref reports);
            report(changed, status);
            throw new IOException("No space left on device : 'edgebroker.log.new' (injected)");
        };

        await using (var sensor = await TestClient.ConnectAsync(gateway, "sensor"))
        {
            for (int i = 0; i < 50; i++)
            {
                await sensor.PublishAsync("site/seq", i.ToString(), MqttQualityOfServiceLevel.AtLeastOnce);
            }
        }

        await _upstream.RestartAsync();
        await cloud.ReconnectAsync();
        await Eventually.WaitUntilAsync(() => cloud.Distinct().FirstArrivals.Count >= 50, () => "the cloud received " + cloud.Distinct().FirstArrivals.Count
            + " of 50; the uplink is " + uplink.Status(Clock.NowMs()).ToJson());
        Assert.Equal(Enumerable.Range(0, 50).Select(i => i.ToString()), cloud.Distinct().FirstArrivals);
        Assert.Equal(UplinkState.Connected, StateOf(gateway));
        Assert.True(Volatile.Read(ref reports) >= 2);
    }

    static async Task<ProcessRunner> StartEmulatorAsync(DirectoryInfo dataDir, int port)
    {
        var emulator = ProcessRunner.Start("dotnet", EmulatorDll, "--port", port.ToString(), "--data-dir", dataDir.FullName);
        await emulator.WaitForOutputAsync(TimeSpan.FromSeconds(20), "MQTT listener on");
        return emulator;
    }

    static UplinkState StateOf(EmulatorEngine.RunningEmulator gateway) => gateway.Gateway.Uplink!.Uplink.Status(Clock.NowMs()).State;

    /// <summary>After an outage the upstream hands the gateway its whole backlog at once, faster than the device's
    /// receiver acknowledges, and the receiver's offline quota (32) fills with what is on its way to it: the gateway
    /// holds the upstream back (reads and acknowledges nothing more) until the receiver makes room, rather than
    /// acknowledge messages and drop them (the reviewer's run: 86 of 300 lost with the receiver connected throughout).</summary>
    [ToolFact(Tool.MosquittoBroker)]
    public async Task A_backlog_from_the_upstream_after_an_outage_reaches_a_connected_receiver_whole()
    {
        const int count = 300;
        await using var link = new CuttableLink(_upstream.Port);
        var settings = Settings();
        settings["uplink"] = link.Address;
        await using var gateway = EmulatorEngine.Start(settings);
        await WaitUntilConnectedAsync(gateway);
        await using var actuator = await TestClient.ConnectAsync(gateway, "actuator", cleanStart: false);
        await actuator.SubscribeAsync("cmd/#");
        await using var cloud = await CloudSubscriber.ConnectAsync(_upstream, "unused/#");

        link.Cut();
        await Eventually.WaitUntilAsync(() => StateOf(gateway) != UplinkState.Connected, () => "the uplink did not notice the outage");
        for (var i = 0; i < count; i++)
        {
            await cloud.Client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("gw/gw1/cmd/seq").WithPayload(i.ToString())
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        }

        link.Restore();
        var received = await actuator.ReceivePayloadsAsync(count);

        Assert.Equal(Enumerable.Range(0, count).Select(i => i.ToString()), received);
        Assert.Equal(0, gateway.Gateway.Core.Counters.QuotaDropped);
    }

    /// <summary>A slow upstream (its PUBACKs held back by the link) and a full queue under drop-oldest: the entries in
    /// flight are on their way and stay, the oldest not yet sent are dropped, so no more than the window is ever
    /// unacknowledged upstream, <c>dropped</c> counts only what never went up, and the queue drains once the PUBACKs
    /// come. Before, dropped in-flight entries freed window slots (all 200 written at once, counted as dropped though
    /// delivered) and overflowed the driver's packet-identifier table, which stalled the uplink for good (reviewer's
    /// D3/D4: 784 of 1,000, then nothing).</summary>
    [ToolFact(Tool.MosquittoBroker)]
    public async Task A_slow_upstream_with_a_full_queue_keeps_the_window_and_drops_only_unsent_entries()
    {
        const int count = 200, bound = 40, window = UplinkSettings.DefaultInFlightWindow;
        await using var link = new CuttableLink(_upstream.Port);
        await using var cloud = await CloudSubscriber.ConnectAsync(_upstream, "gw/gw1/site/#");
        var settings = Settings();
        settings["uplink"] = link.Address;
        settings["uplink_max_queued_messages"] = bound.ToString();
        await using var gateway = EmulatorEngine.Start(settings);
        await WaitUntilConnectedAsync(gateway);

        link.HoldReplies();
        await using (var sensor = await TestClient.ConnectAsync(gateway, "sensor"))
        {
            for (int i = 0; i < count; i++)
            {
                Assert.True((await sensor.PublishAsync("site/seq", i.ToString())).IsSuccess);
            }
        }

        await Eventually.WaitUntilAsync(() => cloud.Received.Count >= window, () => "the cloud received " + cloud.Received.Count);
        await Task.Delay(500);
        var held = gateway.Gateway.Uplink!.Uplink.Status(Clock.NowMs());
        Assert.Equal((window, window, (long)(count - bound)), (cloud.Received.Count, held.InFlight, held.Dropped));

        link.ReleaseReplies();
        await Eventually.WaitUntilAsync(() => gateway.Gateway.Uplink!.Uplink.Status(Clock.NowMs()).Queued == 0 && cloud.Received.Count >= bound,
            () => "the uplink is " + gateway.Gateway.Uplink!.Uplink.Status(Clock.NowMs()).ToJson());
        var drained = gateway.Gateway.Uplink!.Uplink.Status(Clock.NowMs());
        Assert.Equal(Enumerable.Range(0, window).Concat(Enumerable.Range(count - bound + window, bound - window)).Select(i => i.ToString()),
            cloud.Received.Select(m => m.Payload));
        Assert.Equal(((long)bound, (long)bound, (long)(count - bound)), (drained.Sent, drained.Acknowledged, drained.Dropped));
    }

    static Task WaitUntilConnectedAsync(EmulatorEngine.RunningEmulator gateway) =>
        Eventually.WaitUntilAsync(() => StateOf(gateway) == UplinkState.Connected,
            () => "the uplink is " + gateway.Gateway.Uplink!.Uplink.Status(Clock.NowMs()).ToJson());
}
