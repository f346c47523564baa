using EdgeBroker.Core.Uplink;
using static EdgeBroker.Core.Tests.Uplink.UplinkFixture;

namespace EdgeBroker.Core.Tests.Uplink;

public class UplinkConnectionTests
{
    static Core.Uplink.Uplink NewUplink() => new(Settings(), new MemoryUplinkQueueStore(), new SeededRandomSource());

    [Fact]
    public void Connects_to_the_first_address_reports_it_failed_then_fails_over_to_the_next_after_the_backoff()
    {
        var uplink = NewUplink();
        var reports = new List<(UplinkState, string)>();
        uplink.StateChanged = (_, status) => reports.Add((status.State, status.Address));

        Assert.Equal("mqtt://primary:1883", uplink.NextConnect(0)!.Text);
        Assert.Null(uplink.NextConnect(0));
        uplink.ConnectFailed("connack: bad user name or password", 0);

        long wait = uplink.WaitMs(0);
        Assert.InRange(wait, 0, 100);
        Assert.Equal("connack: bad user name or password", uplink.Status(0).LastError);
        Assert.Equal("mqtts://secondary:8883", uplink.NextConnect(wait)!.Text);
        uplink.Connected(wait);

        // Each report names the address its state (and, backing off, its error) belongs to.
        Assert.Equal(new[]
        {
            (UplinkState.Connecting, "mqtt://primary:1883"), (UplinkState.BackingOff, "mqtt://primary:1883"),
            (UplinkState.Connecting, "mqtts://secondary:8883"), (UplinkState.Connected, "mqtts://secondary:8883"),
        }, reports);
        Assert.Equal(UplinkState.Connected, uplink.Status(wait).State);
        Assert.Equal("mqtts://secondary:8883", uplink.Status(wait).Address);
    }

    [Fact]
    public void The_backoff_cap_doubles_per_failure_up_to_the_maximum_and_every_wait_stays_within_it()
    {
        var uplink = NewUplink();
        long now = 0;
        var caps = new List<int>();
        for (int failure = 1; failure <= 7; failure++)
        {
            Assert.NotNull(uplink.NextConnect(now));
            uplink.ConnectFailed("refused", now);
            var status = uplink.Status(now);
            caps.Add(status.BackoffCapMs);
            Assert.InRange(uplink.WaitMs(now), 0, status.BackoffCapMs);
            Assert.Equal(failure, status.Failures);
            now += uplink.WaitMs(now);
        }

        Assert.Equal(new[] { 100, 200, 400, 800, 1600, 1600, 1600 }, caps);
    }

    [Fact]
    public void A_successful_connection_resets_the_backoff_and_a_lost_one_retries_the_same_address_soon()
    {
        var uplink = NewUplink();
        uplink.NextConnect(0);
        uplink.ConnectFailed("refused", 0);
        uplink.NextConnect(10_000);
        uplink.Connected(10_000);
        Assert.Equal(0, uplink.Status(10_000).Failures);

        uplink.ConnectionLost("keep-alive timeout", 20_000);

        var status = uplink.Status(20_000);
        Assert.Equal((UplinkState.BackingOff, 1, 100, "keep-alive timeout"), (status.State, status.Failures, status.BackoffCapMs, status.LastError));
        Assert.Equal("mqtts://secondary:8883", uplink.NextConnect(20_100)!.Text);
    }

    /// <summary>About 56 years: the device's wall clock starts near 1970 and SNTP steps it to now.</summary>
    const long SntpStepMs = 56L * 365 * 24 * 3600 * 1000;

    [Theory]
    [InlineData(SntpStepMs)]
    [InlineData(-SntpStepMs)]
    public void A_wall_clock_step_during_the_backoff_neither_ends_nor_stretches_it(long stepMs)
    {
        var settings = Settings();
        settings.BackoffMinMs = settings.BackoffMaxMs = 60_000;
        var uplink = new Core.Uplink.Uplink(settings, new MemoryUplinkQueueStore(), new SeededRandomSource());
        const long Failed = 5_000;
        long wallNow = Clock.NowMs();
        uplink.Offer(Message("t"), wallNow);
        uplink.NextConnect(Failed);
        uplink.ConnectFailed("refused", Failed);
        long wait = uplink.WaitMs(Failed);
        Assert.InRange(wait, 2, 60_000);

        // What the uplink takes on the wall clock — queued entries, the status — after the step.
        Assert.Equal(UplinkOfferOutcome.Queued, uplink.Offer(Message("t"), wallNow + stepMs));
        Assert.Equal(UplinkState.BackingOff, uplink.Status(wallNow + stepMs).State);

        Assert.Null(uplink.NextConnect(Failed + 1));
        Assert.Equal(wait - 1, uplink.WaitMs(Failed + 1));
        Assert.Equal("mqtts://secondary:8883", uplink.NextConnect(Failed + wait)!.Text);
    }

    [Fact]
    public void A_state_report_that_throws_goes_to_ReportFailed_and_the_state_machine_carries_on()
    {
        // The engine cannot keep the retained status (a full drive): every report throws.
        var uplink = NewUplink();
        var failures = new List<Exception>();
        uplink.StateChanged = (_, _) => throw new IOException("No space left on device");
        uplink.ReportFailed = (_, error) => failures.Add(error);

        Assert.Equal("mqtt://primary:1883", uplink.NextConnect(0)!.Text);
        Assert.Equal(UplinkState.Connecting, uplink.State);
        uplink.ConnectFailed("unreachable", 0);
        long wait = uplink.WaitMs(0);
        Assert.NotNull(uplink.NextConnect(wait));
        uplink.Connected(wait);
        uplink.Offer(Message("t"), wait);
        Assert.Single(Take(uplink));

        Assert.Equal(UplinkState.Connected, uplink.State);
        Assert.Equal(4, failures.Count);
        Assert.All(failures, error => Assert.IsType<IOException>(error));
    }

    [Fact]
    public void A_skipped_message_from_upstream_is_counted_in_the_status()
    {
        var uplink = NewUplink();

        Assert.Equal(1, uplink.SkippedTooLarge());
        Assert.Equal(2, uplink.SkippedTooLarge());

        Assert.Equal(2, uplink.Status(0).DownTooLarge);
        Assert.Contains("\"downTooLarge\":2", uplink.Status(0).ToJson());
    }

    [Fact]
    public void Nothing_is_handed_out_unless_connected()
    {
        var uplink = NewUplink();
        uplink.Offer(Message("t"), 0);

        Assert.Empty(Take(uplink));
        uplink.NextConnect(0);
        Assert.Empty(Take(uplink));
        uplink.Connected(0);
        Assert.Single(Take(uplink));
    }

    [Fact]
    public void Status_is_json_with_the_issue_fields()
    {
        var uplink = NewUplink();
        uplink.Offer(Message("t"), 1000);

        string json = uplink.Status(3000).ToJson();

        using var document = System.Text.Json.JsonDocument.Parse(json);
        var root = document.RootElement;
        Assert.Equal("cloud", root.GetProperty("name").GetString());
        Assert.Equal("disconnected", root.GetProperty("state").GetString());
        Assert.Equal("mqtt://primary:1883", root.GetProperty("address").GetString());
        Assert.Equal(1, root.GetProperty("queued").GetInt32());
        Assert.Equal(2000, root.GetProperty("oldestQueuedAgeMs").GetInt64());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, root.GetProperty("lastError").ValueKind);
        foreach (var field in new[] { "sent", "acknowledged", "dropped" })
        {
            Assert.Equal(0, root.GetProperty(field).GetInt64());
        }
    }
}
