using System.Security.Cryptography;
using System.Text;
using EdgeBroker.Core.Security;
using EdgeBroker.Firmware.Relay;
using EdgeBroker.Firmware.Relay.Settings;
using EdgeBroker.Relay.Tests.Support;

namespace EdgeBroker.Relay.Tests.Protocol;

/// <summary>What the relay logs about CONNECTs it refuses or accepts: the client ID, its address and the core's reason
/// — never a password, secret or signature.</summary>
public class AuthenticationLogTests
{
    const string Sensor = "GID_sensors@@@DEVICE_001";
    const string Secret = "SECRET-0123456789";

    readonly RecordingLog _log = new();

    SynchronousRelay SecuredRelay()
    {
        var security = new RelaySecuritySettings();
        security.AccessKeys.Add(new AccessKey("AK", Secret, null));
        return new SynchronousRelay(security: security, log: _log);
    }

    [Fact]
    public void A_refused_connect_is_logged_with_client_address_and_reason_but_not_the_password()
    {
        using var relay = SecuredRelay();
        const string Password = "not-the-signature-but-still-a-secret";

        Assert.Equal(4, Refused(relay, Packets.Connect(Sensor, userName: "Signature|AK|edge-1", password: Password)));
        Assert.Equal(5, Refused(relay, Packets.Connect(Sensor)));

        const string Thinned = " (further refusals of this kind from this address within a minute are counted, not logged)";
        Assert.Contains(_log.Warnings, line => line == "Refused CONNECT of client " + Sensor
            + " from 127.0.0.1 with return code 4: signature of access key AK does not match" + Thinned);
        Assert.Contains(_log.Warnings, line => line == "Refused CONNECT of client " + Sensor
            + " from 127.0.0.1 with return code 5: anonymous access is not allowed" + Thinned);
        Assert.DoesNotContain(_log.All, line => line.Contains(Password, StringComparison.Ordinal));
    }

    [Fact]
    public void An_accepted_connect_names_how_the_client_proved_itself_but_not_the_signature()
    {
        using var relay = SecuredRelay();
        string signature = Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes(Sensor)));
        var (client, server) = relay.OpenSocketPair();
        var connection = new RelayConnection(server, relay.Context);
        client.Send(Packets.Connect(Sensor, userName: "Signature|AK|edge-1", password: signature));

        Assert.True(connection.ReceiveAndHandle());
        Assert.Contains(_log.Infos, line => line.StartsWith("Client " + Sensor + " connected from 127.0.0.1 on channel ", StringComparison.Ordinal)
            && line.Contains("(access key AK, clean session 1", StringComparison.Ordinal));
        Assert.DoesNotContain(_log.All, line => line.Contains(signature, StringComparison.Ordinal));
        Assert.Equal(Sensor, connection.Authenticated?.ClientId);
        connection.Terminate();
    }

    static int Refused(SynchronousRelay relay, byte[] connect)
    {
        var (client, server) = relay.OpenSocketPair();
        var connection = new RelayConnection(server, relay.Context);
        client.Send(connect);
        Assert.False(connection.ReceiveAndHandle());
        var connAck = new byte[4];
        SynchronousRelay.ReceiveExactly(client, connAck);
        connection.Terminate();
        return connAck[3];
    }
}
