using EdgeBroker.Core.Uplink;
using static EdgeBroker.Core.Tests.Uplink.UplinkFixture;

namespace EdgeBroker.Core.Tests.Uplink;

/// <summary>The schedule the uplink and the host's proxy sessions both reconnect by.</summary>
public class ReconnectScheduleTests
{
    [Fact]
    public void Failed_attempts_go_round_the_addresses_with_growing_waits()
    {
        var schedule = new ReconnectSchedule(Settings(), new SeededRandomSource());
        var tried = new List<string>();
        long now = 0;
        for (var failure = 1; failure <= 3; failure++)
        {
            tried.Add(schedule.NextAttempt().Text);
            schedule.AttemptFailed(now);
            Assert.Equal(failure, schedule.Failures);
            Assert.InRange(schedule.WaitMs(now), 0, schedule.BackoffCapMs);
            now += schedule.WaitMs(now);
            Assert.Equal(0, schedule.WaitMs(now));
        }

        Assert.Equal(["mqtt://primary:1883", "mqtts://secondary:8883", "mqtt://primary:1883"], tried);
        Assert.Equal(400, schedule.BackoffCapMs);
    }

    [Fact]
    public void After_a_failed_attempt_the_address_is_the_one_that_failed_until_the_next_attempt_starts()
    {
        var schedule = new ReconnectSchedule(Settings(), new SeededRandomSource());
        var failed = schedule.NextAttempt().Text;

        schedule.AttemptFailed(0);

        Assert.Equal(failed, schedule.Address.Text);
        Assert.Equal("mqtts://secondary:8883", schedule.NextAttempt().Text);
        Assert.Equal("mqtts://secondary:8883", schedule.Address.Text);
    }

    [Fact]
    public void A_lost_connection_retries_its_address_after_the_first_step_however_many_attempts_failed_before()
    {
        var schedule = new ReconnectSchedule(Settings(), new SeededRandomSource());
        for (var attempt = 0; attempt < 3; attempt++)
        {
            schedule.NextAttempt();
            schedule.AttemptFailed(0);
        }

        var connectedTo = schedule.NextAttempt().Text;
        schedule.Connected(0);
        Assert.Equal(0, schedule.Failures);

        schedule.ConnectionLost(ReconnectSchedule.StableConnectionMs);

        Assert.Equal((connectedTo, 1, 100), (schedule.NextAttempt().Text, schedule.Failures, schedule.BackoffCapMs));
        Assert.InRange(schedule.WaitMs(ReconnectSchedule.StableConnectionMs), 0, 100);
    }

    [Fact]
    public void A_connection_lost_right_after_its_connack_backs_off_further_each_time_until_one_stays_up()
    {
        // The upstream accepts and drops the connection at once, again and again (a message the gateway cannot take,
        // a second gateway under the same client ID): the wait grows as for failed attempts, on the same address.
        var schedule = new ReconnectSchedule(Settings(), new SeededRandomSource());
        long now = 0;
        var caps = new List<int>();
        string? address = null;
        for (var round = 0; round < 6; round++)
        {
            address ??= schedule.NextAttempt().Text;
            Assert.Equal(address, schedule.NextAttempt().Text);
            schedule.Connected(now);
            schedule.ConnectionLost(now + 50);
            caps.Add(schedule.BackoffCapMs);
            now += 50 + schedule.WaitMs(now + 50);
        }

        Assert.Equal([100, 200, 400, 800, 1600, 1600], caps);

        // One that stays up starts afresh.
        schedule.NextAttempt();
        schedule.Connected(now);
        schedule.ConnectionLost(now + ReconnectSchedule.StableConnectionMs);
        Assert.Equal((1, 100), (schedule.Failures, schedule.BackoffCapMs));
    }
}
