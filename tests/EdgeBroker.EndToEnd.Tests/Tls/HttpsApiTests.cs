using System.Text.Json;
using EdgeBroker.EndToEnd.Tests.Http;
using EdgeBroker.EndToEnd.Tests.Infrastructure;

namespace EdgeBroker.EndToEnd.Tests.Tls;

/// <summary>With TLS configured the HTTP API is served over HTTPS with the MQTT listener's certificate. Host only.</summary>
public sealed class HttpsApiTests(TestCertificates certificates) : IClassFixture<TestCertificates>
{
    static readonly TimeSpan CurlTimeout = TimeSpan.FromSeconds(15);

    [ToolFact(Tool.CurlAndOpenssl)]
    public async Task Curl_trusting_the_test_ca_gets_answers_over_https()
    {
        await using var broker = await Engines.StartAsync(Engines.Host, certificates.PemSettings());
        var api = broker.HttpBaseAddress!;

        var run = await ProcessRunner.RunAsync(CurlTimeout, "curl", "-sS", "--cacert", certificates.CaFile, $"{api}clients/count");

        Assert.Equal("https", api.Scheme);
        Assert.True(run.ExitCode == 0, $"curl failed: {run.Errors}");
        using var answer = JsonDocument.Parse(run.Output);
        Assert.Equal(1, answer.RootElement.GetProperty("code").GetInt32());
        Assert.Contains("Missing parameter", answer.RootElement.GetProperty("message").GetString());
    }

    [ToolFact(Tool.CurlAndOpenssl)]
    public async Task Curl_not_trusting_the_certificate_or_speaking_plain_http_gets_no_answer()
    {
        await using var broker = await Engines.StartAsync(Engines.Host, certificates.PemSettings());
        var api = broker.HttpBaseAddress!;

        var distrustful = await ProcessRunner.RunAsync(CurlTimeout, "curl", "-sS", "--cacert", certificates.OtherCaFile, $"{api}clients/count");
        var plain = await ProcessRunner.RunAsync(CurlTimeout, "curl", "-sS", $"http://{api.Authority}/clients/count");

        Assert.Equal(60, distrustful.ExitCode); // curl: peer certificate cannot be authenticated with known CA certificates
        Assert.NotEqual(0, plain.ExitCode);
        Assert.Empty(distrustful.Output + plain.Output);
    }

    [ToolFact(Tool.CurlAndOpenssl)]
    public async Task The_signed_curl_walkthrough_sees_a_tls_device_online_over_https()
    {
        var settings = certificates.PemSettings();
        settings["EdgeBroker:AccessKeys:0:Id"] = ApiBroker.AllGroupsKey;
        settings["EdgeBroker:AccessKeys:0:Secret"] = ApiBroker.AllGroupsSecret;
        settings["EdgeBroker:Security:AllowAnonymous"] = "true";
        await using var broker = await Engines.StartAsync(Engines.Host, settings);
        await using var device = await MqttNetOverTls.ConnectAsync(broker, certificates.Ca, "GID_sensors@@@DEVICE_001");
        var script = Path.Combine(AppContext.BaseDirectory, "Clients", "online_status.sh");

        // curl reads its CA bundle from CURL_CA_BUNDLE, so the walkthrough script runs unchanged.
        await using var run = ProcessRunner.Start(new Dictionary<string, string> { ["CURL_CA_BUNDLE"] = certificates.CaFile }, "sh", script,
            broker.HttpBaseAddress!.ToString().TrimEnd('/'), ApiBroker.AllGroupsKey, ApiBroker.AllGroupsSecret, "GID_sensors@@@DEVICE_001");

        Assert.True(await run.WaitForExitAsync(CurlTimeout) == 0, $"online_status.sh failed: {run.Output} {run.Errors}");
        using var answer = JsonDocument.Parse(run.Output);
        Assert.Equal(0, answer.RootElement.GetProperty("code").GetInt32());
        Assert.Equal(1, answer.RootElement.GetProperty("online").GetInt32());
    }
}
