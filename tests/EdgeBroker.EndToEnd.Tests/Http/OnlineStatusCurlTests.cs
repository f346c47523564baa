using System.Text.Json;
using EdgeBroker.EndToEnd.Tests.Infrastructure;

namespace EdgeBroker.EndToEnd.Tests.Http;

/// <summary>The README's curl walkthrough (Clients/online_status.sh: openssl signs, curl asks). Host only.</summary>
public sealed class OnlineStatusCurlTests
{
    [ToolFact(Tool.CurlAndOpenssl)]
    public async Task The_curl_walkthrough_sees_a_connected_device_online()
    {
        await using var api = await ApiBroker.StartAsync();
        await using var device = await TestClient.ConnectAsync(api.Broker, "GID_sensors@@@DEVICE_001");
        var script = Path.Combine(AppContext.BaseDirectory, "Clients", "online_status.sh");
        var baseUrl = api.Broker.HttpBaseAddress!.ToString().TrimEnd('/');

        var run = await ProcessRunner.RunAsync(TimeSpan.FromSeconds(15), "sh", script,
            baseUrl, ApiBroker.SensorsKey, ApiBroker.SensorsSecret, "GID_sensors@@@DEVICE_001");

        Assert.True(run.ExitCode == 0, $"online_status.sh failed: {run.Output} {run.Errors}");
        using var answer = JsonDocument.Parse(run.Output);
        Assert.Equal(0, answer.RootElement.GetProperty("code").GetInt32());
        Assert.Equal(1, answer.RootElement.GetProperty("online").GetInt32());
    }
}
