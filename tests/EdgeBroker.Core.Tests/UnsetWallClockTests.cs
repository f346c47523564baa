using EdgeBroker.Core.Retained;
using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Tests.Support;
using EdgeBroker.Core.Tests.Uplink;
using EdgeBroker.Core.Uplink;

namespace EdgeBroker.Core.Tests;

/// <summary>
/// What the core does with a time taken before the wall clock was set — an ESP32's starts near 1970 and SNTP steps it by
/// about 56 years when it first answers, possibly long after start-up — and judged once it is: the message keeps its real
/// age (docs/architecture.md "Two clocks"), instead of looking 56 years old and being dropped. Each test takes the stamp
/// such a device took 5 s before the sync (a reading below <see cref="Clock.EarliestValidMs"/>, the interval clock then)
/// and hands it to the core, whose wall clock is set now.
/// </summary>
public class UnsetWallClockTests
{
    const string Receiver = "dev1";
    const string Topic = "a/p2p/" + Receiver;

    /// <summary>A stamp taken with the wall clock unset, 5 s ago.</summary>
    static long StampedBeforeTheSync() => Clock.MonotonicMs() - 5_000;

    [Fact]
    public void A_message_received_before_the_sync_is_kept_for_an_away_session_and_delivered()
    {
        var broker = new TestBroker();
        broker.ConnectThenLeave(Receiver, TestBroker.Persistent, "a/b");
        RoutedMessage message = TestBroker.Message(Topic, qos: 1, payload: "before-sync");
        message.PublishedAtMs = StampedBeforeTheSync();

        Assert.Equal(PublishOutcome.Queued, broker.Core.Publish("sender", message));

        Assert.Equal(["before-sync"], broker.Connect(Receiver, TestBroker.Persistent, cleanStart: false).Payloads);
    }

    [Fact]
    public void A_message_received_before_the_sync_still_ages_on_the_interval_clock()
    {
        var broker = new TestBroker();
        broker.ConnectThenLeave(Receiver, TestBroker.Persistent, "a/b");
        broker.Limits.DefaultMessageTtlMs = 1_000;
        RoutedMessage message = TestBroker.Message(Topic, qos: 1, payload: "before-sync");
        message.PublishedAtMs = StampedBeforeTheSync();
        broker.Core.Publish("sender", message);

        Assert.Empty(broker.Connect(Receiver, TestBroker.Persistent, cleanStart: false).Payloads);
    }

    [Fact]
    public void A_retained_message_received_before_the_sync_keeps_what_is_left_of_its_expiry_interval()
    {
        var broker = new TestBroker();
        var retained = new RetainedMessages(100, null);
        broker.Core.KeepRetained = kept => retained.Update(kept);
        broker.Core.Retained = retained;
        RoutedMessage message = TestBroker.Message("r/t", qos: 1, retain: true, payload: "before-sync");
        message.PublishedAtMs = StampedBeforeTheSync();
        message.MessageExpiryInterval = 60;
        broker.Core.Publish("publisher", message);

        broker.Core.Tick(Clock.NowMs(), Clock.MonotonicMs());
        RecordingConnection subscriber = broker.Connect("sub");
        int granted = broker.Subscribe("sub", "r/#", qos: 1);
        broker.Core.SendRetained("sub", subscriber, ["r/#"], [granted], 1, 0);

        Assert.Equal(["before-sync"], subscriber.Payloads);
        Assert.InRange(message.RemainingExpiryInterval(Clock.NowMs()), 54u, 55u);
    }

    [Fact]
    public void A_session_that_left_before_the_sync_does_not_expire_at_it()
    {
        var broker = new TestBroker();
        broker.ConnectThenLeave(Receiver, 3_600, "a/b");
        broker.SessionStore.SaveSession(Receiver, 3_600, StampedBeforeTheSync());
        var restarted = new TestBroker(sessionStore: broker.SessionStore, offlineStore: broker.Offline);

        restarted.Core.Restore();

        Assert.Empty(restarted.Core.ExpireSessions(Clock.NowMs()));
        Assert.Single(restarted.Core.ExpireSessions(Clock.NowMs() + 3_601_000));
    }

    [Fact]
    public void An_uplink_entry_queued_before_the_sync_shows_its_real_age()
    {
        var settings = new UplinkSettings("cloud") { ClientId = "gw" };
        settings.AddAddress(UplinkAddress.Parse("mqtt://upstream:1883"));
        settings.AddRule(UplinkRule.Forward("data/#", 1));
        var uplink = new Core.Uplink.Uplink(settings, new MemoryUplinkQueueStore(), new SeededRandomSource());
        RoutedMessage message = TestBroker.Message("data/t", qos: 1, payload: "before-sync");

        Assert.Equal(UplinkOfferOutcome.Queued, uplink.Offer(message, StampedBeforeTheSync()));

        Assert.InRange(uplink.Status(Clock.NowMs()).OldestQueuedAgeMs, 5_000, 6_000);
    }
}
