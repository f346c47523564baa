namespace EdgeBroker.Host.Storage;

/// <summary>
/// Runs a store's flush a fixed delay after the first change that needs one, instead of on a timer that polls: with
/// nothing to write, nothing wakes. The dedupe log and the uplinks' removals each polled ten times a second, and every
/// poll woke the thread pool too, so an idle broker woke about 150 times a second (docs/performance.md, "An idle broker
/// that sleeps"). A change recorded while a flush is armed rides with it; one recorded once it fired arms the next.
/// The group commit's unawaited deletions use it too, so their commit comes at most its delay after the first of them.
/// </summary>
public sealed class DelayedFlush : IDisposable
{
    readonly Action _flush;
    readonly TimeSpan _delay;
    readonly Timer _timer;

    /// <summary>1 from a request until its flush starts.</summary>
    int _armed;

    public DelayedFlush(Action flush, TimeSpan delay)
    {
        _flush = flush;
        _delay = delay;
        _timer = new Timer(static flush => ((DelayedFlush)flush!).Fire(), this, Timeout.Infinite, Timeout.Infinite);
    }

    /// <summary>A change was recorded that the flush must write: arms it unless it is armed already.</summary>
    public void Request()
    {
        if (Interlocked.Exchange(ref _armed, 1) != 0)
        {
            return;
        }

        try
        {
            _timer.Change(_delay, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // The store is closing: its Dispose flushes what was recorded before it.
        }
    }

    void Fire()
    {
        // Disarmed before the flush takes what was recorded: a change recorded after this arms the next flush.
        Volatile.Write(ref _armed, 0);
        _flush();
    }

    /// <summary>Stops the timer (a flush running now finishes); the owner flushes what is left.</summary>
    public void Dispose() => _timer.Dispose();
}
