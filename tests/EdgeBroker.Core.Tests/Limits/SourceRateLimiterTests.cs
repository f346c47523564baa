using EdgeBroker.Core.Limits;

namespace EdgeBroker.Core.Tests.Limits;

/// <summary>Events per source address in a window, with a bounded table of addresses; time is passed in.</summary>
public class SourceRateLimiterTests
{
    [Fact]
    public void A_source_gets_its_events_per_window_then_waits_for_the_next_window()
    {
        var limiter = new SourceRateLimiter(maxEventsPerWindow: 3, windowMs: 10_000, maxTrackedSources: 8);

        Assert.True(limiter.Allow("192.0.2.1", 0));
        Assert.True(limiter.Allow("192.0.2.1", 1_000));
        Assert.True(limiter.Allow("192.0.2.1", 2_000));
        Assert.False(limiter.Allow("192.0.2.1", 3_000));
        Assert.False(limiter.Allow("192.0.2.1", 9_999));

        Assert.True(limiter.Allow("192.0.2.1", 10_000));
    }

    [Fact]
    public void Sources_are_counted_apart()
    {
        var limiter = new SourceRateLimiter(1, 10_000, 8);

        Assert.True(limiter.Allow("192.0.2.1", 0));
        Assert.False(limiter.Allow("192.0.2.1", 1));
        Assert.True(limiter.Allow("192.0.2.2", 2));
    }

    [Fact]
    public void A_flood_of_addresses_keeps_the_table_at_its_bound_forgetting_the_least_recently_seen()
    {
        var limiter = new SourceRateLimiter(1, 60_000, 4);
        Assert.True(limiter.Allow("192.0.2.1", 0));
        for (var i = 0; i < 1_000; i++)
        {
            limiter.Allow("198.51.100." + (i % 250) + "/" + i, 1 + i);
        }

        Assert.Equal(4, limiter.TrackedSources);

        // 192.0.2.1 was forgotten, so it starts a fresh count.
        Assert.True(limiter.Allow("192.0.2.1", 2_000));
    }

    [Fact]
    public void A_limit_of_zero_allows_everything_and_tracks_nothing()
    {
        var limiter = new SourceRateLimiter(0, 10_000, 8);
        for (var i = 0; i < 100; i++)
        {
            Assert.True(limiter.Allow("192.0.2.1", i));
        }

        Assert.Equal(0, limiter.TrackedSources);
    }

    [Fact]
    public void Problems_are_reported_once_per_source_a_minute_and_the_rest_counted()
    {
        var reports = new ProblemReports(maxTrackedSources: 16);

        Assert.True(reports.ShouldReport("192.0.2.1", 0));
        Assert.False(reports.ShouldReport("192.0.2.1", 1_000));
        Assert.False(reports.ShouldReport("192.0.2.1", 59_999));
        Assert.True(reports.ShouldReport("192.0.2.2", 2_000));
        Assert.True(reports.ShouldReport("192.0.2.1", ProblemReports.QuietMs));

        Assert.Equal(2, reports.Suppressed);
    }
}
