using System.Diagnostics;
using EdgeBroker.Benchmarks.Brokers;
using EdgeBroker.Benchmarks.Load;

namespace EdgeBroker.Benchmarks.Cases;

/// <summary>Waiting for a returning receiver's backlog: as long as messages keep arriving, however slowly.</summary>
static class DeliveryWait
{
    static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>True once <paramref name="done"/> holds; false when <paramref name="tally"/> counted nothing new for
    /// <paramref name="stallTimeout"/> first (what is missing then never comes). Throws if the broker died.</summary>
    public static async Task<bool> UntilAsync(Func<bool> done, BacklogTally tally, BrokerProcess broker, TimeSpan stallTimeout,
        CancellationToken cancellationToken)
    {
        var lastUnique = -1;
        var sinceProgress = Stopwatch.StartNew();
        while (!done())
        {
            await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
            broker.ThrowIfExited();
            var unique = tally.Unique;
            if (unique != lastUnique)
            {
                lastUnique = unique;
                sinceProgress.Restart();
            }
            else if (sinceProgress.Elapsed > stallTimeout)
            {
                return false;
            }
        }

        return true;
    }
}
