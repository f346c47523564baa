using System.Diagnostics;
using EdgeBroker.Core.Uplink;
using EdgeBroker.Host.Storage;
using EdgeBroker.Storage.Tests.Support;

namespace EdgeBroker.Storage.Tests.Sqlite;

/// <summary>The stores' flush after a delay: it runs only when a change asked for it, once for every change made
/// while it was armed, and again for a change made after it ran — so an idle broker has no store timer waking it.</summary>
public sealed class DelayedFlushTests : IDisposable
{
    static readonly TimeSpan Delay = TimeSpan.FromMilliseconds(100);

    readonly TempDirectory _directory = new();
    readonly SemaphoreSlim _flushed = new(0);
    int _flushes;

    void Flush()
    {
        Interlocked.Increment(ref _flushes);
        _flushed.Release();
    }

    [Fact]
    public void Without_a_request_it_never_runs()
    {
        using var flush = new DelayedFlush(Flush, Delay);

        Assert.False(_flushed.Wait(5 * Delay));
        Assert.Equal(0, _flushes);
    }

    [Fact]
    public void Requests_while_it_is_armed_share_one_flush_after_the_delay()
    {
        using var flush = new DelayedFlush(Flush, Delay);
        var requested = Stopwatch.StartNew();

        flush.Request();
        flush.Request();
        flush.Request();

        Assert.True(_flushed.Wait(TimeSpan.FromSeconds(10)));
        Assert.True(requested.Elapsed >= Delay - TimeSpan.FromMilliseconds(20), $"ran after {requested.Elapsed.TotalMilliseconds} ms");
        Assert.False(_flushed.Wait(3 * Delay));
        Assert.Equal(1, _flushes);
    }

    [Fact]
    public void A_request_after_it_ran_arms_the_next()
    {
        using var flush = new DelayedFlush(Flush, Delay);

        flush.Request();
        Assert.True(_flushed.Wait(TimeSpan.FromSeconds(10)));
        flush.Request();

        Assert.True(_flushed.Wait(TimeSpan.FromSeconds(10)));
        Assert.Equal(2, _flushes);
    }

    [Fact]
    public void A_request_after_it_was_disposed_is_ignored()
    {
        var flush = new DelayedFlush(Flush, Delay);
        flush.Dispose();

        flush.Request();

        Assert.False(_flushed.Wait(3 * Delay));
    }

    [Fact]
    public void The_dedupe_log_writes_an_accepted_id_within_the_delay_without_being_closed()
    {
        using var database = SqliteDatabase.Open(_directory.Path);
        using var log = new SqliteDedupeLog(database, capacity: 100);

        log.Append("GID_a@@@gw-1", "id-1");

        // Read back through the same database, as a restart would, while the log stays open (a crash keeps no Dispose).
        var deadline = Stopwatch.StartNew();
        var window = new DedupeWindow(100);
        while (!window.Contains("GID_a@@@gw-1", "id-1") && deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            Thread.Sleep(20);
            window = new DedupeWindow(100);
            log.LoadInto(window);
        }

        Assert.True(window.Contains("GID_a@@@gw-1", "id-1"));
    }

    public void Dispose()
    {
        _flushed.Dispose();
        _directory.Dispose();
    }
}
