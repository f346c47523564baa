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
}
