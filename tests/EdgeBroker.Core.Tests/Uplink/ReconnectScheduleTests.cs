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
        schedule.Connected();

        schedule.ConnectionLost(5_000);

        Assert.Equal((connectedTo, 1, 100), (schedule.NextAttempt().Text, schedule.Failures, schedule.BackoffCapMs));
        Assert.InRange(schedule.WaitMs(5_000), 0, 100);
    }
}
