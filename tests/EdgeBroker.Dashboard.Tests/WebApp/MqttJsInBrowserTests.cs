using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using EdgeBroker.EndToEnd.Tests.Tls;
using MQTTnet;
using static Microsoft.Playwright.Assertions;

namespace EdgeBroker.Dashboard.Tests.WebApp;

/// <summary>
/// MQTT over WebSocket as web apps use it: MQTT.js's browser bundle in Debian's chromium, on a page of another site
/// (<see cref="MqttWebApp"/>), against a host broker, exchanging messages with a TCP client (MQTTnet) both ways and
/// receiving a P2P message — over ws://, and over wss:// with the test CA's certificate.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class MqttJsInBrowserTests(Browser browser, TestCertificates certificates) : IClassFixture<TestCertificates>
{
    const string WebClientId = "GID_web@@@browser";
    const string P2PToBrowser = "GID_dev/p2p/" + WebClientId;

    static Dictionary<string, string?> WithWebSocket(Dictionary<string, string?>? settings = null) =>
        new(settings ?? []) { ["EdgeBroker:WebSocketPort"] = "0" };

    [BrowserFact(Tool.MqttJs)]
    public async Task Mqtt_js_in_chromium_over_ws_and_a_tcp_client_exchange_messages_both_ways_and_p2p()
    {
        // The web app's site allowed, as an operator would: chromium's Origin header matches the setting.
        await using var broker = await Engines.StartAsync(Engines.Host, WithWebSocket(new() { ["EdgeBroker:WebSocketOrigins:0"] = MqttWebApp.Origin }));
        await using var valve = await TestClient.ConnectAsync(broker, "GID_dev@@@valve");
        await valve.SubscribeAsync("commands/#");
        await using var app = await MqttWebApp.OpenAsync(await browser.NewContextAsync(),
            $"ws://{broker.Host}:{broker.WebSocketPort}/mqtt", WebClientId, "sensors/#", protocolVersion: 5);

        await valve.PublishAsync("sensors/temperature", "21.5");
        await valve.PublishAsync(P2PToBrowser, "opened");
        await app.PublishAsync("commands/valve", "open");

        await Expect(app.Received("sensors/temperature")).ToHaveTextAsync("21.5");
        await Expect(app.Received(P2PToBrowser)).ToHaveTextAsync("opened");
        var command = await valve.ReceiveAsync();
        Assert.Equal(("commands/valve", "open"), (command.Topic, command.ConvertPayloadToString()));
        app.AssertNoScriptErrors();
    }

    /// <summary>Chromium trusts the broker's certificate through <c>--ignore-certificate-errors-spki-list</c>, given to a
    /// browser of this test's own: it accepts that one key only (any other certificate error still fails), where
    /// <c>--ignore-certificate-errors</c> would accept anything.</summary>
    [BrowserFact(Tool.MqttJs)]
    public async Task Mqtt_js_in_chromium_over_wss_with_the_brokers_certificate_exchanges_messages_with_a_tcp_client()
    {
        await using var broker = await Engines.StartAsync(Engines.Host, WithWebSocket(certificates.PemSettings()));
        await using var sensor = await TestClient.ConnectAsync(broker, "GID_dev@@@sensor");
        await sensor.SubscribeAsync("commands/#");
        await using var trusting = await browser.LaunchAsync("--ignore-certificate-errors-spki-list=" + SpkiHash(certificates.ServerCertificateFile));
        await using var app = await MqttWebApp.OpenAsync(await trusting.NewContextAsync(),
            $"wss://localhost:{broker.WebSocketPort}/mqtt", WebClientId, "sensors/#", protocolVersion: 4);

        await sensor.PublishAsync("sensors/temperature", "over wss");
        await app.PublishAsync("commands/valve", "open");

        await Expect(app.Received("sensors/temperature")).ToHaveTextAsync("over wss");
        Assert.Equal("open", (await sensor.ReceiveAsync()).ConvertPayloadToString());
        app.AssertNoScriptErrors();
    }

    /// <summary>What chromium's SPKI list names a certificate by: the base64 SHA-256 of its SubjectPublicKeyInfo.</summary>
    static string SpkiHash(string certificateFile)
    {
        using var certificate = X509CertificateLoader.LoadCertificateFromFile(certificateFile);
        return Convert.ToBase64String(SHA256.HashData(certificate.PublicKey.ExportSubjectPublicKeyInfo()));
    }
}
