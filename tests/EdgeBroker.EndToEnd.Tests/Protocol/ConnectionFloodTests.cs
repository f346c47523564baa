using System.Net;
using System.Net.Sockets;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using EdgeBroker.EndToEnd.Tests.Tls;

namespace EdgeBroker.EndToEnd.Tests.Protocol;

/// <summary>
/// Connections that cost the broker without ever becoming clients: sockets that never send a CONNECT (or send it a
/// byte at a time), TLS connections that never finish their handshake, and one address opening connections faster
/// than configured. Each is closed by the broker, and everyone else is still served.
/// </summary>
public sealed class ConnectionFloodTests(TestCertificates certificates) : IClassFixture<TestCertificates>
{
    static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(4);

    static readonly Dictionary<string, string?> OneSecondToConnect = new() { ["EdgeBroker:Connections:ConnectTimeoutSeconds"] = "1" };

    static readonly Dictionary<string, string?> TwoSecondsToConnect = new() { ["EdgeBroker:Connections:ConnectTimeoutSeconds"] = "2" };

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task A_socket_that_sends_no_CONNECT_is_closed_after_the_connect_timeout(string engine)
    {
        await using var broker = await Engines.StartAsync(engine, OneSecondToConnect);
        await using var silent = await RawMqttConnection.OpenAsync(broker);

        Assert.True(await silent.IsClosedByBrokerAsync(CloseTimeout), "the broker kept a socket that sent nothing");
        await using var client = await TestClient.ConnectAsync(broker, "after-the-silent-one");
    }

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task A_CONNECT_trickling_in_a_byte_at_a_time_is_cut_off_at_the_connect_timeout(string engine)
    {
        // Every byte comes well within any per-read timeout, and the whole CONNECT would be there after about 11 s: only a
        // deadline for the whole CONNECT closes it in time (the emulator's connect timeout restarted with each byte, and
        // it answered such a CONNECT with CONNACK 0x00 after the trickle ended).
        await using var broker = await Engines.StartAsync(engine, TwoSecondsToConnect);
        await using var slow = await RawMqttConnection.OpenAsync(broker);
        var connect = ConnectPacket("trickling-" + new string('x', 20));

        var trickle = await slow.TrickleAsync(connect, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));

        Assert.True(trickle.Closed, $"the broker did not close a CONNECT trickling in (answered with packet type {trickle.AnswerType})");
        Assert.True(trickle.BytesSent < connect.Length, "the whole CONNECT was sent before the broker closed the connection");
        Assert.InRange(trickle.After, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(6));
        await using var client = await TestClient.ConnectAsync(broker, "after-the-slow-one");
    }

    /// <summary>An MQTT 3.1.1 CONNECT (clean session, keep-alive 60 s).</summary>
    static byte[] ConnectPacket(string clientId)
    {
        byte[] variableHeader = [0x00, 0x04, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 0x04, 0x02, 0x00, 0x3C];
        byte[] id = [(byte)(clientId.Length >> 8), (byte)clientId.Length, .. System.Text.Encoding.ASCII.GetBytes(clientId)];
        return [0x10, (byte)(variableHeader.Length + id.Length), .. variableHeader, .. id];
    }

    [Fact]
    public async Task A_TLS_connection_that_never_finishes_its_handshake_is_closed_after_the_handshake_timeout()
    {
        var settings = new Dictionary<string, string?>(certificates.PemSettings()) { ["EdgeBroker:Connections:TlsHandshakeTimeoutSeconds"] = "1" };
        await using var broker = await Engines.StartAsync(Engines.Host, settings);
        using var silent = new TcpClient();
        await silent.ConnectAsync(broker.Host, broker.TlsPort);

        using var timeout = new CancellationTokenSource(CloseTimeout);
        var closed = false;
        try
        {
            closed = await silent.GetStream().ReadAsync(new byte[16], timeout.Token) == 0;
        }
        catch (IOException)
        {
            closed = true;
        }
        catch (OperationCanceledException)
        {
        }

        Assert.True(closed, "the broker kept a TLS connection that never sent a ClientHello");
        await using var client = await RawMqttConnection.OpenTlsAsync(broker, certificates.Ca);
        Assert.Equal(0, await client.ConnectAsync("after-the-silent-one"));
    }

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task An_address_over_its_connection_rate_is_closed_at_once_and_other_addresses_are_served(string engine)
    {
        await using var broker = await Engines.StartAsync(engine, new Dictionary<string, string?>
        {
            ["EdgeBroker:Connections:MaxConnectionsPerSource"] = "3",
            ["EdgeBroker:Connections:ConnectionRateWindowSeconds"] = "60",
        });
        var admitted = new List<RawMqttConnection>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var connection = await RawMqttConnection.OpenAsync(broker);
                admitted.Add(connection);
                Assert.Equal(0, await connection.ConnectAsync("client-" + i));
            }

            await using var fourth = await RawMqttConnection.OpenAsync(broker);
            Assert.True(await fourth.IsClosedByBrokerAsync(CloseTimeout), "the broker accepted a fourth connection within the window");

            await using var elsewhere = await RawMqttConnection.OpenAsync(broker, IPAddress.Parse("127.0.0.2"));
            Assert.Equal(0, await elsewhere.ConnectAsync("from-another-address"));
        }
        finally
        {
            foreach (var connection in admitted)
            {
                await connection.DisposeAsync();
            }
        }
    }
}
