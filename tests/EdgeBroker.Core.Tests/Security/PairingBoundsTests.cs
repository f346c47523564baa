using System.Collections;
using EdgeBroker.Core.Security;
using EdgeBroker.Core.Tests.Support;

namespace EdgeBroker.Core.Tests.Security;

/// <summary>How many devices pairing admits: a window pairs the number it was opened for (one by default), the broker
/// keeps at most <see cref="SecurityOptions.MaxPairedDevices"/> paired devices, and a store without room refuses too —
/// each a CONNACK "not authorized", as a closed window gets. Before, one peer paired 600 new IDs in one window.</summary>
public class PairingBoundsTests
{
    const string Group = "GID_sensors";
    const string PairUserName = "Pair|" + Group;

    static string Device(int i) => Group + "@@@fake" + i.ToString("D6");

    [Fact]
    public void A_window_pairs_one_device_by_default_and_a_flood_of_new_ids_pairs_no_more()
    {
        var fixture = new SecurityFixture();
        PairingWindow window = fixture.Security.OpenPairing(Group, 0, SecurityFixture.Now, SecurityFixture.Now);

        AuthDecision[] decisions = Enumerable.Range(0, 20).Select(i => fixture.Connect(Device(i), PairUserName, null)).ToArray();

        Assert.Equal(1, window.Devices);
        Assert.True(decisions[0].IsAccepted, decisions[0].Reason);
        Assert.All(decisions.Skip(1), refused =>
        {
            Assert.Equal(AuthOutcome.NotAuthorized, refused.Outcome);
            Assert.Equal(ConnackCodes.Mqtt311NotAuthorized, refused.Mqtt311ReturnCode);
            Assert.Equal("the pairing window of group GID_sensors has paired the 1 device(s) it was opened for; open it again to pair more",
                refused.Reason);
            Assert.Null(refused.PairingMessage);
        });
        Assert.Equal([Device(0)], fixture.Devices.LoadDevices().Cast<DeviceRecord>().Select(d => d.ClientId));
        Assert.Single(fixture.Security.OpenPairingWindows(SecurityFixture.Now));
    }

    [Fact]
    public void A_window_opened_for_a_batch_pairs_that_many_and_the_configured_number_is_the_default()
    {
        var fixture = new SecurityFixture(options => options.PairingDevicesPerWindow = 2);
        Assert.Equal(2, fixture.Security.OpenPairing(Group, 0, SecurityFixture.Now, SecurityFixture.Now).Devices);

        PairingWindow batch = fixture.Security.OpenPairing(Group, 0, 3, SecurityFixture.Now, SecurityFixture.Now);
        bool[] accepted = Enumerable.Range(0, 5).Select(i => fixture.Connect(Device(i), PairUserName, null).IsAccepted).ToArray();

        Assert.Equal(3, batch.Devices);
        Assert.Equal([true, true, true, false, false], accepted);
        Assert.Equal(3, fixture.Devices.LoadDevices().Count);
    }

    [Fact]
    public void Refused_attempts_and_an_id_paired_again_in_the_window_do_not_use_up_its_devices()
    {
        var fixture = new SecurityFixture();
        fixture.Security.OpenPairing(Group, 0, 2, SecurityFixture.Now, SecurityFixture.Now);

        Assert.True(fixture.Connect(Device(1), PairUserName, null).IsAccepted);
        Assert.Contains("already paired in this pairing window", fixture.Connect(Device(1), PairUserName, null).Reason);
        Assert.False(fixture.Connect(Group + "@@@a+b", PairUserName, null).IsAccepted);
        Assert.False(fixture.Connect("GID_other@@@x", PairUserName, null).IsAccepted);

        Assert.True(fixture.Connect(Device(2), PairUserName, null).IsAccepted);
        Assert.Equal(2, fixture.Devices.LoadDevices().Count);
    }

    [Fact]
    public void The_broker_keeps_at_most_max_paired_devices_and_revoking_one_makes_room()
    {
        var fixture = new SecurityFixture(options => options.MaxPairedDevices = 2);
        fixture.Pair(Group, Device(1));
        fixture.Pair(Group, Device(2));
        fixture.Security.OpenPairing(Group, 0, SecurityFixture.Now, SecurityFixture.Now);

        AuthDecision refused = fixture.Connect(Device(3), PairUserName, null);

        Assert.Equal(AuthOutcome.NotAuthorized, refused.Outcome);
        Assert.Equal("2 devices are paired, the most this broker keeps (" + SecurityOptions.MaxPairedDevicesSetting
            + "); revoke one to pair another", refused.Reason);
        Assert.Null(fixture.Devices.FindDevice(Device(3)));

        // A revoked device signs in no more: it leaves room, and pairing it again takes that room back.
        Assert.True(fixture.Security.RevokeDevice(Device(1)));
        Assert.True(fixture.Connect(Device(3), PairUserName, null).IsAccepted);
        fixture.Security.OpenPairing(Group, 0, SecurityFixture.Now + 1, SecurityFixture.Now + 1);
        Assert.Contains("2 devices are paired", fixture.Connect(Device(1), PairUserName, null, now: SecurityFixture.Now + 1).Reason);
    }

    [Fact]
    public void A_store_without_room_for_the_device_refuses_the_pairing_and_keeps_the_window_for_another()
    {
        var store = new RoomyDeviceStore { HasRoom = false };
        var options = new SecurityOptions();
        var security = new BrokerSecurity(options, store, new MemoryTokenStore(), new SystemRandomSource());
        security.OpenPairing(Group, 0, SecurityFixture.Now, SecurityFixture.Now);

        AuthDecision refused = security.Authenticate(Device(1), PairUserName, null!, SecurityFixture.Address, SecurityFixture.Now, SecurityFixture.Now);
        store.HasRoom = true;
        AuthDecision accepted = security.Authenticate(Device(2), PairUserName, null!, SecurityFixture.Address, SecurityFixture.Now, SecurityFixture.Now);

        Assert.Equal(AuthOutcome.NotAuthorized, refused.Outcome);
        Assert.Equal("the store's share for paired devices is full", refused.Reason);
        Assert.True(accepted.IsAccepted, accepted.Reason);
        Assert.Equal([Device(2)], store.LoadDevices().Cast<DeviceRecord>().Select(d => d.ClientId));
    }

    /// <summary>The core's memory store, whose room for a device the test decides (the device's flash log answers from
    /// its share for paired devices).</summary>
    sealed class RoomyDeviceStore : IDeviceStore
    {
        readonly MemoryDeviceStore _devices = new();

        public bool HasRoom { get; set; }

        public DeviceRecord FindDevice(string clientId) => _devices.FindDevice(clientId);

        public bool HasRoomForDevice(DeviceRecord device) => HasRoom;

        public void SaveDevice(DeviceRecord device) => _devices.SaveDevice(device);

        public ArrayList LoadDevices() => _devices.LoadDevices();
    }
}
