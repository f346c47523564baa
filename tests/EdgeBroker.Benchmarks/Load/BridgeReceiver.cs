using System.Buffers;
using System.Globalization;
using System.Text;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeBroker.Benchmarks.Load;

/// <summary>
/// The cloud application of an uplink case: a persistent session on the upstream subscribed to <c>data/#</c> at QoS 1,
/// recording the sequence numbers that arrive on <c>data/seq</c>, in arrival order, with the time of the last one.
/// </summary>
public sealed class BridgeReceiver : IAsyncDisposable
{
    readonly int _port;
    readonly List<int> _received = [];
    IMqttClient? _client;
    bool _probeSeen;

    public BridgeReceiver(int port) => _port = port;

    public DateTime LastArrival { get; private set; }

    public async Task ConnectAsync()
    {
        _client = new MqttClientFactory().CreateMqttClient();
        _client.ApplicationMessageReceivedAsync += e =>
        {
            var message = e.ApplicationMessage;
            lock (_received)
            {
                if (message.Topic == "data/seq")
                {
                    _received.Add(int.Parse(Encoding.ASCII.GetString(message.Payload.ToArray()), CultureInfo.InvariantCulture));
                    LastArrival = DateTime.UtcNow;
                }
                else
                {
                    _probeSeen = true;
                }
            }

            return Task.CompletedTask;
        };
        await _client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", _port).WithClientId("bench-cloud")
            .WithCleanSession(false).WithTimeout(TimeSpan.FromSeconds(10)).Build());
        await _client.SubscribeAsync("data/#", MqttQualityOfServiceLevel.AtLeastOnce);
    }

    public async Task DisconnectAsync()
    {
        if (_client is not null)
        {
            await _client.DisconnectAsync();
            _client.Dispose();
            _client = null;
        }
    }

    /// <summary>Everything received so far, in arrival order.</summary>
    public List<int> Snapshot()
    {
        lock (_received)
        {
            return [.. _received];
        }
    }

    public void Reset()
    {
        lock (_received)
        {
            _received.Clear();
            _probeSeen = false;
        }
    }

    public bool ProbeSeen
    {
        get
        {
            lock (_received)
            {
                return _probeSeen;
            }
        }
    }

    /// <summary>Waits until <paramref name="count"/> distinct numbers have arrived, or nothing new for
    /// <paramref name="stall"/> (a bridge that lost messages never gets there).</summary>
    public async Task WaitForAsync(int count, TimeSpan stall)
    {
        var lastCount = -1;
        var lastChange = DateTime.UtcNow;
        while (true)
        {
            var snapshot = Snapshot();
            if (snapshot.Distinct().Count() >= count)
            {
                return;
            }

            if (snapshot.Count != lastCount)
            {
                lastCount = snapshot.Count;
                lastChange = DateTime.UtcNow;
            }
            else if (DateTime.UtcNow - lastChange > stall)
            {
                return;
            }

            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync() => await DisconnectAsync();
}
