using System.Net;
using EdgeBroker.EndToEnd.Tests.Infrastructure;

namespace EdgeBroker.EndToEnd.Tests.Http;

/// <summary>A host broker with two access keys — one for every group, one for GID_sensors only — and API clients for
/// both. The HTTP API is the host's, so these tests run on the host engine only. The MQTT clients whose presence the
/// tests query connect anonymously, which a broker with access keys refuses unless told otherwise: it is told.</summary>
public sealed class ApiBroker : IAsyncDisposable
{
    public const string AllGroupsKey = "AK_ALL";
    public const string AllGroupsSecret = "secret-for-all";
    public const string SensorsKey = "AK_SENSORS";
    public const string SensorsSecret = "secret-for-sensors";

    ApiBroker(RunningBroker broker)
    {
        Broker = broker;
        var http = broker.HttpBaseAddress ?? throw new InvalidOperationException("the host engine has an HTTP API");
        AllGroups = new SignedApiClient(http, AllGroupsKey, AllGroupsSecret);
        Sensors = new SignedApiClient(http, SensorsKey, SensorsSecret);
    }

    public RunningBroker Broker { get; }

    /// <summary>Signs with the key that may see every group.</summary>
    public SignedApiClient AllGroups { get; }

    /// <summary>Signs with the key limited to group GID_sensors.</summary>
    public SignedApiClient Sensors { get; }

    /// <summary>Starts the broker on a fresh data directory, or on <paramref name="dataDir"/> (which the caller
    /// keeps) to restart one on the same data; <paramref name="more"/> adds or overrides settings.</summary>
    public static async Task<ApiBroker> StartAsync(DirectoryInfo? dataDir = null, IReadOnlyDictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["EdgeBroker:AccessKeys:0:Id"] = AllGroupsKey,
            ["EdgeBroker:AccessKeys:0:Secret"] = AllGroupsSecret,
            ["EdgeBroker:AccessKeys:1:Id"] = SensorsKey,
            ["EdgeBroker:AccessKeys:1:Secret"] = SensorsSecret,
            ["EdgeBroker:AccessKeys:1:Groups:0"] = "GID_sensors",
            ["EdgeBroker:Security:AllowAnonymous"] = "true",
        };
        if (dataDir is not null)
        {
            settings[HostEngine.DataDirKey] = dataDir.FullName;
        }

        foreach (var (key, value) in more ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return new(await Engines.StartAsync(Engines.Host, settings));
    }

    /// <summary>A client signing with <paramref name="accessKey"/> and <paramref name="secret"/> (right or wrong) that
    /// connects from <paramref name="from"/>, another machine as far as the broker can tell when it is another loopback
    /// address (127.0.0.2); the caller disposes it.</summary>
    public SignedApiClient ClientFrom(IPAddress from, string accessKey, string secret) =>
        new(Broker.HttpBaseAddress!, accessKey, secret, from: from);

    /// <summary>The <c>online</c> answer for <paramref name="clientId"/>, asked with the all-groups key.</summary>
    public async Task<int> OnlineAsync(string clientId)
    {
        var answer = await AllGroups.GetAsync(OnlineStatusPaths.ClientStatus, new Dictionary<string, string> { ["resource"] = clientId });
        answer.AssertOk();
        return answer.Int("online");
    }

    public Task WaitForOnlineAsync(string clientId, int expected) =>
        Eventually.WaitUntilAsync(async () => await OnlineAsync(clientId) == expected,
            () => $"{clientId} never reached online = {expected}");

    public async ValueTask DisposeAsync()
    {
        AllGroups.Dispose();
        Sensors.Dispose();
        await Broker.DisposeAsync();
    }
}
