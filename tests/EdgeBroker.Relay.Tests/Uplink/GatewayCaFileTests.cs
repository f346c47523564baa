using System.Net;
using System.Net.Sockets;
using EdgeBroker.Firmware.Relay;
using EdgeBroker.Firmware.Relay.Settings;
using EdgeBroker.Firmware.Uplink;
using EdgeBroker.Relay.Tests.Support;

namespace EdgeBroker.Relay.Tests.Uplink;

/// <summary>
/// <c>uplink_ca_file</c> is read beside edgebroker.conf (<c>I:\</c> on the device), not under the storage root (<c>D:\</c>
/// once an SD card mounts), and a CA file that cannot be read leaves the broker running without the uplink. Before, the
/// path was resolved against the storage root and a missing file threw out of <see cref="Gateway.Open"/>, which the device
/// answered by restarting: a reboot loop (review-nf #5).
/// </summary>
public sealed class GatewayCaFileTests : IDisposable
{
    readonly DirectoryInfo _settingsDirectory = Directory.CreateTempSubdirectory("edgebroker-conf-");
    readonly DirectoryInfo _storageRoot = Directory.CreateTempSubdirectory("edgebroker-sd-");

    static RelayUplinkSettings Uplink() => RelayUplinkSettings.From(SettingsFile.Parse(string.Join('\n', "uplink = mqtts://127.0.0.1:8883",
        "uplink_client_id = gw1", "uplink_forward = site/#", "uplink_ca_file = upstream-ca.der")), new RelaySettings())!;

    [Fact]
    public void The_CA_file_is_read_beside_edgebroker_conf_not_under_the_storage_root()
    {
        byte[] der = [0x30, 0x82, 0x01, 0x0A];
        File.WriteAllBytes(Path.Combine(_settingsDirectory.FullName, "upstream-ca.der"), der);
        var transport = new RecordingTransport();
        var gateway = Gateway.Open(_storageRoot.FullName, _settingsDirectory.FullName, new RelaySettings { Bind = "127.0.0.1", Port = 0 },
            new RelaySecuritySettings(), new TestRandom(), new SilentLog(), Uplink(), transport);
        gateway.Start();
        try
        {
            Assert.NotNull(gateway.Uplink);
            Assert.True(SpinWait.SpinUntil(() => transport.CaCertificate is not null, TimeSpan.FromSeconds(5)), "the uplink never connected");
            Assert.Equal(der, transport.CaCertificate);
        }
        finally
        {
            gateway.Stop();
        }
    }

    [Fact]
    public void A_missing_CA_file_is_logged_once_and_the_broker_serves_clients_without_the_uplink()
    {
        var log = new RecordingLog();
        var gateway = Gateway.Open(_storageRoot.FullName, _settingsDirectory.FullName, new RelaySettings { Bind = "127.0.0.1", Port = 0 },
            new RelaySecuritySettings(), new TestRandom(), log, Uplink(), new RecordingTransport());
        gateway.Start();
        try
        {
            Assert.Null(gateway.Uplink);
            var line = Assert.Single(log.Warnings, warning => warning.Contains("upstream-ca.der", StringComparison.Ordinal));
            Assert.StartsWith("Uplink cloud is not started: its uplink_ca_file " + Path.Combine(_settingsDirectory.FullName, "upstream-ca.der")
                + " cannot be read", line);

            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = 5000 };
            client.Connect(new IPEndPoint(IPAddress.Loopback, gateway.Port));
            client.Send(Packets.Connect("sensor"));
            var connAck = new byte[4];
            SynchronousRelay.ReceiveExactly(client, connAck);
            Assert.Equal(new byte[] { 0x20, 2, 0, 0 }, connAck);
            var publish = Packets.Publish("site/p2p/sensor", "served");
            client.Send(publish);
            var delivered = new byte[publish.Length];
            SynchronousRelay.ReceiveExactly(client, delivered);
            Assert.Equal(publish, delivered);
        }
        finally
        {
            gateway.Stop();
        }
    }

    public void Dispose()
    {
        _settingsDirectory.Delete(recursive: true);
        _storageRoot.Delete(recursive: true);
    }

    /// <summary>Takes every connection and remembers the CA certificate it was asked to trust.</summary>
    sealed class RecordingTransport : IUplinkTransport
    {
        public volatile byte[]? CaCertificate;

        public int Connect(UplinkConnectRequest request, IUplinkTransportListener listener)
        {
            CaCertificate = request.CaCertificate;
            return 0;
        }

        public int Publish(string topic, byte[] payload, int qos, bool retain, bool duplicate, int packetId) => packetId;

        public void Subscribe(string[] filters, int[] qos)
        {
        }

        public bool AcknowledgesAfterDelivery => false;

        public void Disconnect()
        {
        }
    }
}
