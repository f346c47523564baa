namespace EdgeBroker.Core.Tests;

public class ClockTests
{
    [Fact]
    public void ToUnixMs_CountsMillisecondsFrom1970()
    {
        var moment = new DateTime(2024, 11, 23, 8, 20, 0, 123, DateTimeKind.Utc);

        Assert.Equal(new DateTimeOffset(moment).ToUnixTimeMilliseconds(), Clock.ToUnixMs(moment.Ticks));
    }

    [Fact]
    public void MonotonicMs_IsTheTickCount_NotTheWallClock()
    {
        long before = Environment.TickCount64;
        long reading = Clock.MonotonicMs();

        Assert.InRange(reading, before, Environment.TickCount64);
    }

    const long Set = 1_765_000_000_000;

    [Fact]
    public void Reading_IsTheWallClockOnceSet_AndTheIntervalClockBefore()
    {
        Assert.Equal(Set, Clock.Reading(Set, 42_000));
        Assert.Equal(42_000, Clock.Reading(86_400_123, 42_000));
        Assert.Equal(1, Clock.Reading(0, 0));
    }

    [Fact]
    public void Rebased_MovesATimeTakenWithTheClockUnsetOntoTheSetClock_ByTheIntervalElapsedSince()
    {
        // Taken at uptime 10 s; now the wall clock is set and the uptime is 70 s: it was 60 s ago.
        Assert.Equal(Set - 60_000, Clock.Rebased(10_000, Set, 70_000));
        // A deadline counted from it moves with it.
        Assert.Equal(Set - 60_000 + 3_600_000, Clock.Rebased(10_000 + 3_600_000, Set, 70_000));
    }

    [Fact]
    public void Rebased_LeavesATimeOnTheSameClockAsNow()
    {
        Assert.Equal(Set - 5, Clock.Rebased(Set - 5, Set, 70_000));
        Assert.Equal(10_000, Clock.Rebased(10_000, 70_000, 70_000));
        Assert.Equal(Set, Clock.Rebased(Set, 70_000, 70_000));
        Assert.Equal(long.MaxValue, Clock.Rebased(long.MaxValue, Set, 70_000));
    }

    [Fact]
    public void HasPassed_JudgesAnUnsetClocksDeadlineByTheIntervalClock()
    {
        long now = Clock.NowMs();
        long uptime = Clock.MonotonicMs();

        Assert.False(Clock.HasPassed(uptime + 60_000, now));
        Assert.True(Clock.HasPassed(uptime - 1_000, now));
        Assert.False(Clock.HasPassed(long.MaxValue, now));
    }
}
