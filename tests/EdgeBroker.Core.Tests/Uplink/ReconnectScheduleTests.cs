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
            tried.Add(schedule.Address.Text);
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
    public void A_lost_connection_retries_its_address_after_the_first_step_however_many_attempts_failed_before()
    {
        var schedule = new ReconnectSchedule(Settings(), new SeededRandomSource());
        schedule.AttemptFailed(0);
        schedule.AttemptFailed(0);
        schedule.AttemptFailed(0);
        schedule.Connected();
        var connectedTo = schedule.Address.Text;

        schedule.ConnectionLost(5_000);

        Assert.Equal((connectedTo, 1, 100), (schedule.Address.Text, schedule.Failures, schedule.BackoffCapMs));
        Assert.InRange(schedule.WaitMs(5_000), 0, 100);
    }
}
