using EdgeBroker.Core;
using EdgeBroker.Core.Security;
using EdgeBroker.Core.Uplink;
using EdgeBroker.Firmware.Pairing;
using EdgeBroker.Firmware.Uplink;
using EdgeBroker.Relay.Tests.Support;

namespace EdgeBroker.Relay.Tests.Clocks;

/// <summary>
/// The relay times intervals on the core's interval clock (<see cref="Clock.MonotonicMs"/>), never on the wall clock an
/// ESP32 has stepped by about 56 years when SNTP first answers — possibly minutes after start-up. Each test takes what
/// the relay started on its own clock and looks at it the way the rest of the gateway does: a wall clock stepped by
/// decades since must change nothing, and what the relay timed must agree with the interval clock.
/// </summary>
public class IntervalClockTests
{
    /// <summary>About 56 years: the device's wall clock starts near 1970 and SNTP steps it to now.</summary>
    const long SntpStepMs = 56L * 365 * 24 * 3600 * 1000;

    const string Group = "GID_sensors";

    [Theory]
    [InlineData(SntpStepMs)]
    [InlineData(-SntpStepMs)]
    public void The_pairing_button_opens_a_window_that_a_wall_clock_step_neither_ends_nor_stretches(long stepMs)
    {
        var security = new BrokerSecurity(new SecurityOptions { AllowAnonymous = false }, new MemoryDeviceStore(), new MemoryTokenStore(),
            new TestRandom());
        var button = new PairingControl(security, Group);
        button.Press();

        AuthDecision afterTheStep = security.Authenticate(Group + "@@@valve", "Pair|" + Group, null!, "192.0.2.1", Clock.NowMs() + stepMs,
            Clock.MonotonicMs());

        Assert.True(afterTheStep.IsAccepted, afterTheStep.Reason);
        Assert.InRange(button.RemainingSeconds, SecurityOptions.DefaultPairingWindowSeconds - 1, SecurityOptions.DefaultPairingWindowSeconds);
        var window = Assert.IsType<PairingWindow>(Assert.Single(security.OpenPairingWindows(Clock.MonotonicMs())));
        Assert.Empty(security.OpenPairingWindows(Clock.MonotonicMs() + window.RemainingMs(Clock.MonotonicMs()) + 1));
    }

    [Fact]
    public void A_failed_uplink_connection_backs_off_on_the_interval_clock()
    {
        using var relay = new SynchronousRelay();
        var settings = new UplinkSettings("cloud") { ClientId = "gw1", BackoffMinMs = 60_000, BackoffMaxMs = 60_000 };
        settings.AddAddress(UplinkAddress.Parse("mqtt://192.0.2.7:1883"));
        var uplink = new Core.Uplink.Uplink(settings, relay.Store.UplinkQueue, new TestRandom());
        var driver = new UplinkDriver(uplink, new UnreachableUpstream(), relay.Context, null);

        driver.RunOnce();

        Assert.Equal(UplinkState.BackingOff, uplink.State);
        // Measured from the failure on the same clock: at most the cap, whatever the wall clock does meanwhile.
        Assert.InRange(uplink.WaitMs(Clock.MonotonicMs()), 0, 60_000);
        Assert.NotNull(uplink.NextConnect(Clock.MonotonicMs() + 60_001));
    }

    /// <summary>An upstream nobody answers at.</summary>
    sealed class UnreachableUpstream : IUplinkTransport
    {
        public int Connect(UplinkConnectRequest request, IUplinkTransportListener listener) =>
            throw new UplinkTransportException("connection refused");

        public int Publish(string topic, byte[] payload, int qos, bool retain, bool duplicate, int packetId) => 0;

        public void Subscribe(string[] filters, int[] qos)
        {
        }

        public bool AcknowledgesAfterDelivery => true;

        public void Disconnect()
        {
        }
    }
}
