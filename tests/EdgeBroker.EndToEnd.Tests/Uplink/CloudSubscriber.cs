using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeBroker.EndToEnd.Tests.Uplink;

/// <summary>
/// An application in the cloud: an MQTTnet client on the upstream broker with a persistent session (clean session 0,
/// QoS 1), so what the gateway sends while it is reconnecting after an outage is kept for it. Records every message
/// with its topic and DUP flag.
/// </summary>
public sealed class CloudSubscriber : IAsyncDisposable
{
    readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    readonly List<(string Topic, string Payload, bool Duplicate)> _received = [];
    readonly MosquittoUpstream _upstream;
    readonly string _filter;

    CloudSubscriber(MosquittoUpstream upstream, string filter)
    {
        _upstream = upstream;
        _filter = filter;
        _client.ApplicationMessageReceivedAsync += e =>
        {
            lock (_received)
            {
                _received.Add((e.ApplicationMessage.Topic, e.ApplicationMessage.ConvertPayloadToString(), e.ApplicationMessage.Dup));
            }

            return Task.CompletedTask;
        };
    }

    public IMqttClient Client => _client;

    public static async Task<CloudSubscriber> ConnectAsync(MosquittoUpstream upstream, string filter)
    {
        var subscriber = new CloudSubscriber(upstream, filter);
        await subscriber.ReconnectAsync();
        await subscriber._client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(f => f.WithTopic(filter).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce))
            .Build());
        return subscriber;
    }

    /// <summary>Connects (again, after the upstream restarted) to its persistent session.</summary>
    public Task ReconnectAsync() => _client.ConnectAsync(new MqttClientOptionsBuilder()
        .WithTcpServer("127.0.0.1", _upstream.Port)
        .WithClientId("cloud-app-" + _filter.GetHashCode().ToString("x8"))
        .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V311)
        .WithCleanSession(false)
        .WithTimeout(TimeSpan.FromSeconds(5))
        .Build());

    public List<(string Topic, string Payload, bool Duplicate)> Received
    {
        get
        {
            lock (_received)
            {
                return [.. _received];
            }
        }
    }

    /// <summary>The payloads in the order they first arrived, and how many arrived again.</summary>
    public (List<string> FirstArrivals, int Duplicates) Distinct()
    {
        var seen = new HashSet<string>();
        var first = new List<string>();
        var duplicates = 0;
        foreach (var (_, payload, _) in Received)
        {
            if (seen.Add(payload))
            {
                first.Add(payload);
            }
            else
            {
                duplicates++;
            }
        }

        return (first, duplicates);
    }

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            await _client.DisconnectAsync();
        }

        _client.Dispose();
    }
}
