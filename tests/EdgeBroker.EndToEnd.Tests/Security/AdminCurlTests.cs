using System.Text.Json;
using EdgeBroker.EndToEnd.Tests.Http;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet;

namespace EdgeBroker.EndToEnd.Tests.Security;

/// <summary>The README's curl examples for the administration API (Clients/signed_request.sh: openssl signs, curl
/// sends), against a real broker. Host only.</summary>
public sealed class AdminCurlTests
{
    static readonly string Script = Path.Combine(AppContext.BaseDirectory, "Clients", "signed_request.sh");

    [ToolFact(Tool.CurlAndOpenssl)]
    public async Task A_token_applied_for_with_curl_lets_a_client_connect_in_token_mode()
    {
        await using var api = await ApiBroker.StartAsync();
        var expireTime = DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeMilliseconds();

        var run = await RunAsync(api, "POST", "/token/apply", "resources=GID_sensors,app", "actions=R,W", $"expireTime={expireTime}");

        using var answer = ParseOk(run);
        var token = answer.RootElement.GetProperty("tokenData").GetString()!;
        await using var client = await SecureClients.ConnectAsync(api.Broker, "GID_sensors@@@dev1",
            SecureClients.TokenUserName(ApiBroker.SensorsKey), "RW|" + token);
        Assert.Equal(MqttClientConnectResultCode.Success, client.ConnectResult.ResultCode);
    }

    [ToolFact(Tool.CurlAndOpenssl)]
    public async Task Pairing_opened_and_listed_with_curl()
    {
        await using var api = await ApiBroker.StartAsync();

        var opened = await RunAsync(api, "POST", "/pairing/open", "group=GID_sensors", "seconds=60");
        var listed = await RunAsync(api, "GET", "/pairing", "group=GID_sensors");

        using var openAnswer = ParseOk(opened);
        using var listAnswer = ParseOk(listed);
        Assert.Equal(60, openAnswer.RootElement.GetProperty("seconds").GetInt32());
        Assert.Equal("GID_sensors", Assert.Single(listAnswer.RootElement.GetProperty("windows").EnumerateArray()).GetProperty("group").GetString());
    }

    [ToolFact(Tool.CurlAndOpenssl)]
    public async Task The_same_change_sent_twice_at_once_is_two_requests_not_a_replay()
    {
        await using var api = await ApiBroker.StartAsync();

        // The script's timestamp is in whole seconds: two runs at once sign the same timestamp, and only their nonces
        // keep the second from being refused as a replay of the first.
        var runs = await Task.WhenAll(
            RunAsync(api, "POST", "/pairing/open", "group=GID_sensors", "seconds=60"),
            RunAsync(api, "POST", "/pairing/open", "group=GID_sensors", "seconds=60"));

        foreach (var run in runs)
        {
            ParseOk(run).Dispose();
        }
    }

    /// <summary>Runs the script signed with the key limited to GID_sensors, as the README's examples do.</summary>
    static Task<(int ExitCode, string Output, string Errors)> RunAsync(ApiBroker api, string method, string path, params string[] parameters) =>
        ProcessRunner.RunAsync(TimeSpan.FromSeconds(15), "sh",
            [Script, method, api.Broker.HttpBaseAddress!.ToString().TrimEnd('/'), ApiBroker.SensorsKey + ":" + ApiBroker.SensorsSecret, path, .. parameters]);

    static JsonDocument ParseOk((int ExitCode, string Output, string Errors) run)
    {
        Assert.True(run.ExitCode == 0, $"signed_request.sh failed: {run.Output} {run.Errors}");
        var answer = JsonDocument.Parse(run.Output);
        Assert.True(answer.RootElement.GetProperty("code").GetInt32() == 0, run.Output);
        return answer;
    }
}
