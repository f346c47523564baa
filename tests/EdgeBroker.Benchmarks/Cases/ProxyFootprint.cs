using System.Globalization;
using EdgeBroker.Benchmarks.Brokers;
using EdgeBroker.Benchmarks.Load;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeBroker.Benchmarks.Cases;

/// <summary>
/// One measurement of the Proxy case: a fresh cloud host and a gateway host federated to it with
/// <see cref="ProxyCase.ProxiedGroup"/> proxied; one device connected and gone, settled (so first-connection and first
/// proxy code has run, and the heap trim has acted); then the devices (raw TCP, MQTT 3.1.1, keep-alive off) of the
/// proxied group or of <see cref="ProxyCase.PlainGroup"/>; for the proxied group, until the cloud reported every
/// device's proxy session connected (its presence events); settled again. RSS is VmRSS from /proc.
/// </summary>
public static class ProxyFootprint
{
    /// <summary>How long the cloud's presence events may take to show every proxy session.</summary>
    static readonly TimeSpan ProxiesTimeout = TimeSpan.FromSeconds(60);

    public static async Task<ProxyMeasurement> MeasureAsync(string edgeBrokerDll, bool proxied, int devices, CancellationToken cancellationToken)
    {
        await using var cloud = await BridgeProcess.StartEdgeBrokerAsync(edgeBrokerDll, _ => []).ConfigureAwait(false);
        await using var gateway = await BridgeProcess.StartEdgeBrokerAsync(edgeBrokerDll, _ =>
        [
            "--uplink", "mqtt://127.0.0.1:" + cloud.Port.ToString(CultureInfo.InvariantCulture), "--uplink-client-id", "gw",
            "--uplink-proxy-group", ProxyCase.ProxiedGroup, "--uplink-max-proxy-sessions", devices.ToString(CultureInfo.InvariantCulture),
        ]).ConfigureAwait(false);
        var group = proxied ? ProxyCase.ProxiedGroup : ProxyCase.PlainGroup;
        using var watcher = new MqttClientFactory().CreateMqttClient();
        var connected = 0;
        watcher.ApplicationMessageReceivedAsync += e =>
        {
            if (e.ApplicationMessage.ConvertPayloadToString().Contains("@@@dev-", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref connected);
            }

            return Task.CompletedTask;
        };
        await watcher.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", cloud.Port).WithClientId("proxy-watcher").Build(),
            cancellationToken).ConfigureAwait(false);
        await watcher.SubscribeAsync($"$SYS/presence/{ProxyCase.ProxiedGroup}/connect", MqttQualityOfServiceLevel.AtLeastOnce, cancellationToken)
            .ConfigureAwait(false);

        await (await IdleConnections.OpenAsync(gateway.Port, 1, 1, cancellationToken, group + "@@@warm-").ConfigureAwait(false)).DisposeAsync()
            .ConfigureAwait(false);
        await Task.Delay(IdleFootprint.Settle, cancellationToken).ConfigureAwait(false);
        var gatewayBefore = ProcessMemory.Of(gateway.ProcessId).Resident;
        var cloudBefore = ProcessMemory.Of(cloud.ProcessId).Resident;
        await using var idle = await IdleConnections.OpenAsync(gateway.Port, devices, IdleFootprint.ConnectBatch(BrokerKind.EdgeBroker), cancellationToken,
            group + "@@@dev-").ConfigureAwait(false);
        var deadline = DateTime.UtcNow + ProxiesTimeout;
        while (proxied && Volatile.Read(ref connected) < idle.Accepted && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }

        await Task.Delay(IdleFootprint.Settle, cancellationToken).ConfigureAwait(false);
        return new ProxyMeasurement(proxied, devices, idle.Accepted, Volatile.Read(ref connected), gatewayBefore,
            ProcessMemory.Of(gateway.ProcessId).Resident, cloudBefore, ProcessMemory.Of(cloud.ProcessId).Resident);
    }
}

/// <summary>What <see cref="ProxyMeasurement.Devices"/> devices cost the gateway and the cloud, with or without a proxy
/// session each.</summary>
/// <param name="Wanted">Devices the case asked for.</param>
/// <param name="Devices">Devices the gateway accepted.</param>
/// <param name="ProxiesConnected">Proxy sessions the cloud reported connected.</param>
public sealed record ProxyMeasurement(bool Proxied, int Wanted, int Devices, int ProxiesConnected, long GatewayBefore, long GatewaySettled,
    long CloudBefore, long CloudSettled)
{
    public double GatewayBytesPerDevice => Devices > 0 ? (double)(GatewaySettled - GatewayBefore) / Devices : double.NaN;

    public double CloudBytesPerDevice => Devices > 0 ? (double)(CloudSettled - CloudBefore) / Devices : double.NaN;

    public string? Error =>
        Devices < Wanted ? $"{Wanted - Devices:N0} of {Wanted:N0} devices were refused"
        : Proxied && ProxiesConnected < Devices ? $"only {ProxiesConnected:N0} of {Devices:N0} proxy sessions connected within the wait"
        : null;
}
