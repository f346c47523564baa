using System.Text;
using System.Threading.Channels;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgeBroker.EndToEnd.Tests.Infrastructure;

/// <summary>An MQTTnet client connected to the broker under test, recording every message it receives (whether or not
/// it matches a subscription: P2P messages match none).</summary>
public sealed class TestClient : IAsyncDisposable
{
    public static readonly TimeSpan ReceiveTimeout = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan SilenceWindow = TimeSpan.FromMilliseconds(400);

    readonly Channel<MqttApplicationMessage> _received;

    TestClient(IMqttClient client, MqttClientConnectResult connectResult, Channel<MqttApplicationMessage> received)
    {
        Client = client;
        ConnectResult = connectResult;
        _received = received;
    }

    public IMqttClient Client { get; }

    public MqttClientConnectResult ConnectResult { get; private set; } = null!;

    public static async Task<TestClient> ConnectAsync(
        RunningBroker broker,
        string clientId,
        MqttProtocolVersion protocol = MqttProtocolVersion.V311,
        bool cleanStart = true,
        uint sessionExpiry = 0,
        Action<MqttClientOptionsBuilder>? configure = null,
        string? webSocketUrl = null)
    {
        var client = new MqttClientFactory().CreateMqttClient();

        // Recording starts before the CONNECT: what a broker sends right after its CONNACK (kept messages, a pairing
        // message) may arrive before ConnectAsync returns.
        var received = Channel.CreateUnbounded<MqttApplicationMessage>();
        client.ApplicationMessageReceivedAsync += e =>
        {
            received.Writer.TryWrite(e.ApplicationMessage);
            return Task.CompletedTask;
        };
        var builder = new MqttClientOptionsBuilder();
        // MQTTnet's builder uses TCP whenever a TCP server was given, so a WebSocket client is never given one.
        if (webSocketUrl is null)
        {
            builder.WithTcpServer(broker.Host, broker.Port);
        }
        else
        {
            builder.WithWebSocketServer(webSocket => webSocket.WithUri(webSocketUrl));
        }

        builder
            .WithClientId(clientId)
            .WithProtocolVersion(protocol)
            .WithCleanSession(cleanStart)
            .WithTimeout(TimeSpan.FromSeconds(5));
        if (protocol == MqttProtocolVersion.V500 && sessionExpiry > 0)
        {
            builder.WithSessionExpiryInterval(sessionExpiry);
        }

        configure?.Invoke(builder);
        var result = await client.ConnectAsync(builder.Build());
        return new TestClient(client, result, received);
    }

    public async Task SubscribeAsync(string filter, MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.AtLeastOnce)
    {
        var result = await Client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(f => f.WithTopic(filter).WithQualityOfServiceLevel(qos))
            .Build());
        var code = result.Items.Single().ResultCode;
        Assert.True((int)code <= 2, $"SUBSCRIBE {filter} was refused: {code}");
    }

    public Task<MqttClientPublishResult> PublishAsync(string topic, string payload,
        MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.AtLeastOnce, bool retain = false) =>
        Client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithQualityOfServiceLevel(qos)
            .WithRetainFlag(retain)
            .Build());

    /// <summary>The next received message; fails after <paramref name="timeout"/> (default <see cref="ReceiveTimeout"/>).</summary>
    public async Task<MqttApplicationMessage> ReceiveAsync(TimeSpan? timeout = null)
    {
        var wait = timeout ?? ReceiveTimeout;
        using var cancellation = new CancellationTokenSource(wait);
        try
        {
            return await _received.Reader.ReadAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"{Client.Options.ClientId} received nothing within {wait.TotalSeconds} s");
        }
    }

    public async Task<List<string>> ReceivePayloadsAsync(int count)
    {
        var payloads = new List<string>();
        for (var i = 0; i < count; i++)
        {
            payloads.Add((await ReceiveAsync()).ConvertPayloadToString());
        }

        return payloads;
    }

    /// <summary>Everything received and not yet read, after waiting <see cref="SilenceWindow"/> for stragglers.</summary>
    public async Task<List<MqttApplicationMessage>> ReceiveAllAsync()
    {
        await Task.Delay(SilenceWindow);
        var messages = new List<MqttApplicationMessage>();
        while (_received.Reader.TryRead(out var message))
        {
            messages.Add(message);
        }

        return messages;
    }

    /// <summary>Asserts that nothing (more) arrives within <see cref="SilenceWindow"/>.</summary>
    public async Task ExpectNothingAsync()
    {
        await Task.Delay(SilenceWindow);
        if (_received.Reader.TryRead(out var unexpected))
        {
            throw new Xunit.Sdk.XunitException(
                $"{Client.Options.ClientId} unexpectedly received '{unexpected.Topic}': {Encoding.UTF8.GetString(unexpected.Payload)}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Client.IsConnected)
        {
            await Client.DisconnectAsync();
        }

        Client.Dispose();
    }
}
