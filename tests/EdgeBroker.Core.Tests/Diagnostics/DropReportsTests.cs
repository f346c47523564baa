using EdgeBroker.Core.Diagnostics;

namespace EdgeBroker.Core.Tests.Diagnostics;

public class DropReportsTests
{
    const long Start = 1_000_000;

    [Fact]
    public void The_first_drop_is_reported_then_at_most_one_a_minute_with_how_many_came_between()
    {
        var reports = new DropReports();
        var lines = new List<(long Dropped, string Tally)>();
        for (var dropped = 1L; dropped <= 5000; dropped++)
        {
            // 5,000 drops over 150 s: one every 30 ms.
            if (reports.ShouldReport(dropped, Start + dropped * 30, out var tally))
            {
                lines.Add((dropped, tally));
            }
        }

        Assert.Equal(
        [
            (1L, " (the first; further ones are logged at most once a minute, with their count)"),
            (2001L, " (2000 more since the last line, 2001 in all)"),
            (4001L, " (2000 more since the last line, 4001 in all)"),
        ], lines);
    }

    [Fact]
    public void Drops_counted_from_several_threads_are_counted_once_each_and_reported_once()
    {
        var reports = new DropReports();
        var reported = 0;
        Parallel.For(0, 4000, _ =>
        {
            if (reports.ShouldReport(out string _))
            {
                Interlocked.Increment(ref reported);
            }
        });

        Assert.Equal(1, reported);
        Assert.True(reports.ShouldReport(4001, Clock.MonotonicMs() + DropReports.QuietMs, out var tally));
        Assert.Equal(" (4000 more since the last line, 4001 in all)", tally);
    }
}
