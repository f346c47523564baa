using EdgeBroker.Core.Monitoring;
using MQTTnet.Adapter;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Server;
using MQTTnet.Server.Internal.Adapter;

namespace EdgeBroker.Host.Mqtt;

/// <summary>
/// MQTTnet's TCP listener with every accepted connection wrapped in a <see cref="SpecCompliantChannel"/>, the one place
/// where EdgeBroker corrects MQTTnet's packet-level behaviour where it departs from the MQTT specifications.
/// </summary>
sealed class SpecCompliantServerAdapter(SessionPresentFlags sessionPresent, ByteCounters bytes) : IMqttServerAdapter
{
    readonly MqttTcpServerAdapter _tcp = new();

    public Func<IMqttChannelAdapter, Task>? ClientHandler
    {
        get => _tcp.ClientHandler;
        set => _tcp.ClientHandler = value is null ? null : channel => value(new SpecCompliantChannel(channel, sessionPresent, bytes));
    }

    public Task StartAsync(MqttServerOptions options, IMqttNetLogger logger) => _tcp.StartAsync(options, logger);

    public Task StopAsync() => _tcp.StopAsync();

    public void Dispose() => _tcp.Dispose();
}
