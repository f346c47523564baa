using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeBroker.Benchmarks.Load;

/// <summary>
/// Connections that hold many subscriptions nobody publishes to, to show whether routing cost grows with the size of
/// the subscription table. Connection c subscribes, in one SUBSCRIBE packet, to <c>bench/idle/c/s/state</c> for every
/// s. The filters share the benchmark's first topic level on purpose: a matcher cannot skip them all by looking at
/// the first level alone.
/// </summary>
public sealed class IdleSubscribers : IAsyncDisposable
{
    /// <summary>Connections opened at once: enough to be quick, few enough not to look like a connection storm.</summary>
    const int ConnectConcurrency = 10;

    readonly List<IMqttClient> _clients;

    IdleSubscribers(List<IMqttClient> clients, int subscriptions)
    {
        _clients = clients;
        Subscriptions = subscriptions;
    }

    public int Connections => _clients.Count;

    public int Subscriptions { get; }

    public static string ClientId(int connection) => $"idle-{connection}";

    public static string Filter(int connection, int subscription) => $"bench/idle/{connection}/{subscription}/state";

    public static async Task<IdleSubscribers> ConnectAsync(int port, int connections, int subscriptionsPerConnection,
        CancellationToken cancellationToken)
    {
        var clients = new IMqttClient?[connections];
        try
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, connections),
                new ParallelOptions { MaxDegreeOfParallelism = ConnectConcurrency, CancellationToken = cancellationToken },
                async (connection, token) =>
                {
                    var client = await LoadClientOptions.ConnectAsync(port, ClientId(connection), token).ConfigureAwait(false);
                    clients[connection] = client;
                    await SubscribeAllAsync(client, connection, subscriptionsPerConnection, token).ConfigureAwait(false);
                }).ConfigureAwait(false);
        }
        catch
        {
            await Task.WhenAll(clients.OfType<IMqttClient>().Select(LoadClientOptions.CloseAsync)).ConfigureAwait(false);
            throw;
        }

        return new IdleSubscribers([.. clients.OfType<IMqttClient>()], connections * subscriptionsPerConnection);
    }

    /// <summary>How many idle connections are still connected (checked after the case: a broker that dropped them
    /// would have measured a smaller table than claimed).</summary>
    public int ConnectedCount => _clients.Count(client => client.IsConnected);

    public async ValueTask DisposeAsync() =>
        await Task.WhenAll(_clients.Select(LoadClientOptions.CloseAsync)).ConfigureAwait(false);

    static async Task SubscribeAllAsync(IMqttClient client, int connection, int count, CancellationToken cancellationToken)
    {
        if (count == 0)
        {
            return;
        }

        var builder = new MqttClientSubscribeOptionsBuilder();
        for (var subscription = 0; subscription < count; subscription++)
        {
            builder.WithTopicFilter(Filter(connection, subscription), MqttQualityOfServiceLevel.AtMostOnce);
        }

        var result = await client.SubscribeAsync(builder.Build(), cancellationToken).ConfigureAwait(false);
        var refused = result.Items.Count(item => item.ResultCode != MqttClientSubscribeResultCode.GrantedQoS0);
        if (refused > 0 || result.Items.Count != count)
        {
            throw new InvalidOperationException(
                $"{ClientId(connection)}: {refused} of {count} idle subscriptions were refused ({result.Items.Count} answers).");
        }
    }
}
