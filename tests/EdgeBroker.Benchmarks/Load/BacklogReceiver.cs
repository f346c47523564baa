using System.Diagnostics;
using EdgeBroker.Benchmarks.Cases;
using MQTTnet;
using MQTTnet.Diagnostics.PacketInspection;
using MQTTnet.Protocol;

namespace EdgeBroker.Benchmarks.Load;

/// <summary>
/// The one receiver of a stored-backlog case (<c>recv-0</c>, persistent session). It registers its session (connects
/// with clean session = 0, subscribes for pub/sub, disconnects), stays away while the backlog is published, then
/// reconnects and acknowledges every message itself, right after counting it, so the time it reports ends when the
/// last message has been received <em>and</em> its PUBACK sent. The clock starts when the CONNACK arrives.
/// </summary>
public sealed class BacklogReceiver : IAsyncDisposable
{
    /// <summary>MQTT control packet type 2 in the high nibble of the first byte.</summary>
    const byte ConnAckPacketType = 2;

    readonly IMqttClient _client;
    readonly MqttClientOptions _options;
    BacklogTally? _tally;
    long _connAckTimestamp;
    long _completedTimestamp;
    int _receivedWhileAway;

    BacklogReceiver(IMqttClient client, MqttClientOptions options)
    {
        _client = client;
        _options = options;
        _client.ApplicationMessageReceivedAsync += OnMessageReceived;
    }

    /// <summary>Stopwatch timestamp of the reconnection's CONNACK, 0 before it.</summary>
    public long ConnAckTimestamp => Volatile.Read(ref _connAckTimestamp);

    /// <summary>Stopwatch timestamp at which the last expected message was acknowledged, 0 until then.</summary>
    public long CompletedTimestamp => Volatile.Read(ref _completedTimestamp);

    /// <summary>Messages that arrived before <see cref="ReconnectAsync"/> (must be 0: the receiver was away).</summary>
    public int ReceivedWhileAway => Volatile.Read(ref _receivedWhileAway);

    /// <summary>Creates the receiver's persistent session on the broker and leaves again.</summary>
    public static async Task<BacklogReceiver> RegisterAsync(BenchmarkCase @case, int port, CancellationToken cancellationToken)
    {
        var options = LoadClientOptions.For(port, BenchmarkCase.ReceiverClientId(0), cleanSession: false);
        var receiver = new BacklogReceiver(new MqttClientFactory().CreateMqttClient(), options);
        try
        {
            await LoadClientOptions.ConnectAsync(receiver._client, options, cancellationToken).ConfigureAwait(false);
            await SubscribeAsync(receiver._client, @case, cancellationToken).ConfigureAwait(false);
            await receiver._client.DisconnectAsync(new MqttClientDisconnectOptions(), cancellationToken).ConfigureAwait(false);
            return receiver;
        }
        catch
        {
            await receiver.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Subscribes to the receiver's filter at the case's QoS, for pub/sub cases (a P2P receiver needs no
    /// subscription), and checks that QoS was granted.</summary>
    static async Task SubscribeAsync(IMqttClient client, BenchmarkCase @case, CancellationToken cancellationToken)
    {
        if (@case.ReceiverSubscription(0) is not { } filter)
        {
            return;
        }

        var options = new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(filter, (MqttQualityOfServiceLevel)@case.Qos)
            .Build();
        var result = await client.SubscribeAsync(options, cancellationToken).ConfigureAwait(false);
        var code = result.Items.Single().ResultCode;
        if ((int)code != @case.Qos)
        {
            throw new InvalidOperationException($"SUBSCRIBE {filter} at QoS {@case.Qos} by {BenchmarkCase.ReceiverClientId(0)} was answered {code}.");
        }
    }

    /// <summary>Comes back and starts counting into <paramref name="tally"/>; returns whether the broker said the
    /// session was present (it must be, or there is no backlog).</summary>
    public async Task<bool> ReconnectAsync(BacklogTally tally, CancellationToken cancellationToken)
    {
        Volatile.Write(ref _connAckTimestamp, 0);
        Volatile.Write(ref _completedTimestamp, 0);
        Volatile.Write(ref _tally, tally);
        _client.InspectPacketAsync += OnInspectPacket;
        var result = await LoadClientOptions.ConnectAsync(_client, _options, cancellationToken).ConfigureAwait(false);
        return result.IsSessionPresent;
    }

    /// <summary>Leaves again, keeping the session (after a warm-up round): messages from now on are stored for it.</summary>
    public async Task LeaveAsync(CancellationToken cancellationToken)
    {
        await _client.DisconnectAsync(new MqttClientDisconnectOptions(), cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _tally, null);
    }

    public async ValueTask DisposeAsync()
    {
        _client.ApplicationMessageReceivedAsync -= OnMessageReceived;
        _client.InspectPacketAsync -= OnInspectPacket;
        await LoadClientOptions.CloseAsync(_client).ConfigureAwait(false);
    }

    /// <summary>Stamps the CONNACK, then stops inspecting: MQTTnet copies every packet for an inspector, which would
    /// slow the receiver down during the measurement.</summary>
    Task OnInspectPacket(InspectMqttPacketEventArgs args)
    {
        if (args.Direction == MqttPacketFlowDirection.Inbound && args.Buffer.Length > 0 && args.Buffer[0] >> 4 == ConnAckPacketType)
        {
            Volatile.Write(ref _connAckTimestamp, Stopwatch.GetTimestamp());
            _client.InspectPacketAsync -= OnInspectPacket;
        }

        return Task.CompletedTask;
    }

    async Task OnMessageReceived(MqttApplicationMessageReceivedEventArgs args)
    {
        var tally = Volatile.Read(ref _tally);
        if (tally is null)
        {
            Interlocked.Increment(ref _receivedWhileAway);
            return;
        }

        args.AutoAcknowledge = false;
        var receivedTimestamp = Stopwatch.GetTimestamp();
        if (BenchPayload.TryRead(args.ApplicationMessage.Payload, out var message))
        {
            tally.Count(message, receivedTimestamp);
        }
        else
        {
            tally.CountUnplaced();
        }

        await args.AcknowledgeAsync(CancellationToken.None).ConfigureAwait(false);
        if (tally.Unique == tally.Expected && CompletedTimestamp == 0)
        {
            Volatile.Write(ref _completedTimestamp, Stopwatch.GetTimestamp());
        }
    }
}
