using System.Text.Json;
using EdgeBroker.EndToEnd.Tests.Http;
using EdgeBroker.EndToEnd.Tests.Infrastructure;

namespace EdgeBroker.EndToEnd.Tests.Uplink;

/// <summary>
/// An EdgeBroker host acting as a gateway: one uplink configured through settings exactly as a config file's
/// "Uplinks" entry, anonymous local clients, and an access key to read <c>GET /uplinks</c>.
/// </summary>
public sealed class Gateway : IAsyncDisposable
{
    public const string Key = "AK_GATEWAY";
    public const string Secret = "gateway-secret";
    public const string Uplink = "EdgeBroker:Uplinks:0";

    Gateway(RunningBroker broker)
    {
        Broker = broker;
        Api = new SignedApiClient(broker.HttpBaseAddress!, Key, Secret);
    }

    public RunningBroker Broker { get; }

    public SignedApiClient Api { get; }

    /// <summary>Settings for a gateway whose uplink "cloud" connects to <paramref name="addresses"/>; rules and
    /// anything else are added by the caller (see <see cref="Forward"/>, <see cref="Subscribe"/>).</summary>
    public static Dictionary<string, string?> Settings(params string[] addresses)
    {
        var settings = new Dictionary<string, string?>
        {
            ["EdgeBroker:AccessKeys:0:Id"] = Key,
            ["EdgeBroker:AccessKeys:0:Secret"] = Secret,
            ["EdgeBroker:Security:AllowAnonymous"] = "true",
            [$"{Uplink}:Name"] = "cloud",
            [$"{Uplink}:ClientId"] = "GID_gateway@@@gateway-" + Guid.NewGuid().ToString("N")[..8],
            [$"{Uplink}:BackoffMinMs"] = "100",
            [$"{Uplink}:BackoffMaxMs"] = "1000",
        };
        for (var i = 0; i < addresses.Length; i++)
        {
            settings[$"{Uplink}:Addresses:{i}"] = addresses[i];
        }

        return settings;
    }

    /// <summary>Adds a forward rule (index <paramref name="index"/>) to <paramref name="settings"/>.</summary>
    public static Dictionary<string, string?> Forward(Dictionary<string, string?> settings, string filter, int qos = 1,
        string? localPrefix = null, string? remotePrefix = null, int index = 0) =>
        Rule(settings, "Forward", index, filter, qos, localPrefix, remotePrefix);

    public static Dictionary<string, string?> Subscribe(Dictionary<string, string?> settings, string filter, int qos = 1,
        string? localPrefix = null, string? remotePrefix = null, int index = 0) =>
        Rule(settings, "Subscribe", index, filter, qos, localPrefix, remotePrefix);

    /// <summary>Sets one of the uplink's own settings (e.g. "MaxQueuedMessages").</summary>
    public static Dictionary<string, string?> With(Dictionary<string, string?> settings, string name, string value)
    {
        settings[$"{Uplink}:{name}"] = value;
        return settings;
    }

    static Dictionary<string, string?> Rule(Dictionary<string, string?> settings, string kind, int index, string filter, int qos,
        string? localPrefix, string? remotePrefix)
    {
        var rule = $"{Uplink}:{kind}:{index}";
        settings[$"{rule}:Filter"] = filter;
        settings[$"{rule}:Qos"] = qos.ToString();
        settings[$"{rule}:LocalPrefix"] = localPrefix;
        settings[$"{rule}:RemotePrefix"] = remotePrefix;
        return settings;
    }

    public static async Task<Gateway> StartAsync(Dictionary<string, string?> settings) =>
        new(await new HostEngine().StartAsync(settings));

    /// <summary>The uplink's entry of <c>GET /uplinks</c>.</summary>
    public async Task<JsonElement> StatusAsync()
    {
        var answer = await Api.GetAsync("/uplinks");
        Assert.True(answer.Body.ValueKind == JsonValueKind.Array, answer.ToString());
        return answer.Body.EnumerateArray().Single();
    }

    public async Task WaitForStateAsync(string state, TimeSpan? timeout = null)
    {
        var last = default(JsonElement);
        await Eventually.WaitUntilAsync(async () => (last = await StatusAsync()).GetProperty("state").GetString() == state,
            () => $"the uplink did not become {state}: {last}", timeout);
    }

    public async ValueTask DisposeAsync()
    {
        Api.Dispose();
        await Broker.DisposeAsync();
    }
}
