using System.Net;
using EdgeBroker.EndToEnd.Tests.Infrastructure;

namespace EdgeBroker.EndToEnd.Tests.Http;

/// <summary><c>GET /clients/count</c> and <c>GET /clients</c>: online clients, overall or per group, and a paged list of
/// live connections. Host only.</summary>
public sealed class ClientListingTests
{
    [Fact]
    public async Task Count_is_the_online_clients_overall_or_in_one_group()
    {
        await using var api = await ApiBroker.StartAsync();
        await using var devices = await DevicesAsync(api.Broker, "GID_sensors@@@a", "GID_sensors@@@b", "GID_lights@@@lamp");

        var overall = await api.AllGroups.GetAsync(OnlineStatusPaths.ClientCount);
        var sensors = await api.AllGroups.GetAsync(OnlineStatusPaths.ClientCount, Group("GID_sensors"));
        var empty = await api.AllGroups.GetAsync(OnlineStatusPaths.ClientCount, Group("GID_nobody"));

        overall.AssertOk();
        Assert.Equal((3, 3), (overall.Int("count"), overall.Int("connections")));
        Assert.Equal(2, sensors.Int("count"));
        Assert.Equal(0, empty.Int("count"));
    }

    [Fact]
    public async Task A_key_limited_to_some_groups_counts_only_a_group_it_names()
    {
        await using var api = await ApiBroker.StartAsync();

        var unnamed = await api.Sensors.GetAsync(OnlineStatusPaths.ClientCount);
        var other = await api.Sensors.GetAsync(OnlineStatusPaths.ClientList, Group("GID_lights"));
        var own = await api.Sensors.GetAsync(OnlineStatusPaths.ClientCount, Group("GID_sensors"));

        unnamed.AssertRefused(HttpStatusCode.Forbidden, 3);
        other.AssertRefused(HttpStatusCode.Forbidden, 3);
        own.AssertOk();
    }

    [Fact]
    public async Task The_list_pages_through_live_connections_oldest_first()
    {
        await using var api = await ApiBroker.StartAsync();
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await using var devices = await DevicesAsync(api.Broker, "GID_sensors@@@a", "GID_sensors@@@b", "GID_sensors@@@c", "GID_lights@@@lamp");

        var first = await api.AllGroups.GetAsync(OnlineStatusPaths.ClientList, Paged("GID_sensors", page: 1, pageSize: 2));
        var second = await api.AllGroups.GetAsync(OnlineStatusPaths.ClientList, Paged("GID_sensors", page: 2, pageSize: 2));

        first.AssertOk();
        Assert.Equal(3, first.Int("total"));
        var listed = first.Body.GetProperty("clients").EnumerateArray().Concat(second.Body.GetProperty("clients").EnumerateArray()).ToList();
        Assert.Equal(["GID_sensors@@@a", "GID_sensors@@@b", "GID_sensors@@@c"], listed.Select(c => c.GetProperty("clientId").GetString()));
        Assert.Equal(devices.Addresses.Take(3), listed.Select(c => c.GetProperty("clientIp").GetString()));
        Assert.All(listed, c =>
        {
            Assert.Matches("^[0-9a-f]{32}$", c.GetProperty("channelId").GetString());
            Assert.InRange(c.GetProperty("connectedAt").GetInt64(), before, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        });
    }

    [Theory]
    [InlineData("0", "10")]
    [InlineData("1", "0")]
    [InlineData("1", "1001")]
    [InlineData("x", "10")]
    public async Task A_bad_page_is_http_400_code_1(string page, string pageSize)
    {
        await using var api = await ApiBroker.StartAsync();

        var answer = await api.AllGroups.GetAsync(OnlineStatusPaths.ClientList,
            new Dictionary<string, string> { ["page"] = page, ["pageSize"] = pageSize });

        answer.AssertRefused(HttpStatusCode.BadRequest, 1);
    }

    static Dictionary<string, string> Group(string group) => new() { ["group"] = group };

    static Dictionary<string, string> Paged(string group, int page, int pageSize) =>
        new() { ["group"] = group, ["page"] = page.ToString(), ["pageSize"] = pageSize.ToString() };

    /// <summary>Connects the devices one after the other (so their order is known) and keeps them connected.</summary>
    static async Task<ConnectedDevices> DevicesAsync(RunningBroker broker, params string[] clientIds)
    {
        var devices = new ConnectedDevices();
        foreach (var clientId in clientIds)
        {
            var device = await RawMqttConnection.OpenAsync(broker);
            Assert.Equal(0, await device.ConnectAsync(clientId));
            devices.Add(device);
        }

        return devices;
    }

    sealed class ConnectedDevices : IAsyncDisposable
    {
        readonly List<RawMqttConnection> _connections = [];

        public IEnumerable<string> Addresses => _connections.Select(c => c.LocalEndPoint);

        public void Add(RawMqttConnection connection) => _connections.Add(connection);

        public async ValueTask DisposeAsync()
        {
            foreach (var connection in _connections)
            {
                await connection.DisposeAsync();
            }
        }
    }
}
