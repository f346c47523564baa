using EdgeBroker.Core.Diagnostics;

namespace EdgeBroker.Core.Tests.Diagnostics;

public class DropReportsTests
{
    [Fact]
    public void The_first_drop_and_every_1000th_are_reported_and_every_drop_is_counted()
    {
        var reports = new DropReports();
        var reported = new List<long>();
        for (var i = 0; i < 2500; i++)
        {
            if (reports.ShouldReport(out var droppedInAll))
            {
                reported.Add(droppedInAll);
            }
        }

        Assert.Equal([1L, 1000L, 2000L], reported);
    }

    [Fact]
    public void Each_line_says_how_many_since_the_last_line_and_in_all()
    {
        Assert.Equal(" (the first; from now on every 1000th is logged)", DropReports.Tally(1));
        Assert.Equal(" (999 more since the last line, 1000 in all)", DropReports.Tally(1000));
        Assert.Equal(" (1000 more since the last line, 2000 in all)", DropReports.Tally(2000));
    }

    [Fact]
    public void Drops_counted_from_several_threads_are_reported_once_per_1000()
    {
        var reports = new DropReports();
        var reported = 0;
        Parallel.For(0, 4000, _ =>
        {
            if (reports.ShouldReport(out _))
            {
                Interlocked.Increment(ref reported);
            }
        });

        Assert.Equal(5, reported);
    }
}
