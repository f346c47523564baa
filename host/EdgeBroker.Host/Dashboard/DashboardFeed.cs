using System.Text;
using System.Threading.Channels;
using EdgeBroker.Core;

namespace EdgeBroker.Dashboard;

/// <summary>
/// The dashboard's live feed, as server-sent events (<c>text/event-stream</c>): a <c>status</c> event
/// (<see cref="DashboardSnapshot"/>) at once and every <see cref="StatusInterval"/>, and a <c>presence</c> event for each
/// connect, disconnect and tcpclean the core publishes, in order, with the <c>$SYS/presence</c> payload. One per
/// engine; it takes the core's presence events for every open stream. Memory is bounded: at most
/// <see cref="MaxStreams"/> streams, each holding at most <see cref="MaxPendingEvents"/> events for a slow browser
/// (the oldest give way; the next status event shows the current state anyway).
/// </summary>
sealed class DashboardFeed
{
    public const string Path = "/dashboard/events";

    public const int MaxStreams = 16;

    public const int MaxPendingEvents = 256;

    public static readonly TimeSpan StatusInterval = TimeSpan.FromSeconds(1);

    readonly Lock _sync = new();
    readonly List<Subscriber> _subscribers = [];

    public DashboardFeed(BrokerCore core)
    {
        core.PresenceEventPublished = OnPresenceEvent;
    }

    /// <summary>Claims one of the <see cref="MaxStreams"/> streams for a browser that may see the groups
    /// <paramref name="includesGroup"/> accepts; null when all are taken (answer 503).</summary>
    public Subscriber? TryOpen(Func<string, bool> includesGroup)
    {
        lock (_sync)
        {
            if (_subscribers.Count >= MaxStreams)
            {
                return null;
            }

            var subscriber = new Subscriber(this, includesGroup);
            _subscribers.Add(subscriber);
            return subscriber;
        }
    }

    void OnPresenceEvent(string groupId, string eventJson)
    {
        lock (_sync)
        {
            foreach (var subscriber in _subscribers)
            {
                subscriber.Offer("presence", groupId, eventJson);
            }
        }
    }

    void Close(Subscriber subscriber)
    {
        lock (_sync)
        {
            _subscribers.Remove(subscriber);
        }
    }

    /// <summary>One open stream: writes its events to the response until the browser goes or the engine stops.</summary>
    public sealed class Subscriber : IDisposable
    {
        readonly DashboardFeed _feed;
        readonly Func<string, bool> _includesGroup;
        readonly Channel<string> _events = Channel.CreateBounded<string>(
            new BoundedChannelOptions(MaxPendingEvents) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

        internal Subscriber(DashboardFeed feed, Func<string, bool> includesGroup)
        {
            _feed = feed;
            _includesGroup = includesGroup;
        }

        /// <summary>Writes the stream to <paramref name="output"/> (headers already sent), a <c>status</c> event built by
        /// <paramref name="status"/> every <see cref="StatusInterval"/>, until <paramref name="stopping"/> or a failed write
        /// (the browser went away).</summary>
        public async Task StreamAsync(Stream output, Func<string> status, CancellationToken stopping)
        {
            using var ticks = new PeriodicTimer(StatusInterval);
            var ticking = TickAsync(ticks, status, stopping);
            try
            {
                await foreach (var frame in _events.Reader.ReadAllAsync(stopping))
                {
                    await output.WriteAsync(Encoding.UTF8.GetBytes(frame), stopping);
                    await output.FlushAsync(stopping);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
            {
                // The browser closed the page or the engine is stopping: the stream simply ends.
            }
            finally
            {
                ticks.Dispose();
                await ticking;
            }
        }

        public void Dispose() => _feed.Close(this);

        internal void Offer(string eventName, string groupId, string json)
        {
            if (_includesGroup(groupId))
            {
                _events.Writer.TryWrite(Frame(eventName, json));
            }
        }

        async Task TickAsync(PeriodicTimer ticks, Func<string> status, CancellationToken stopping)
        {
            try
            {
                do
                {
                    _events.Writer.TryWrite(Frame("status", status()));
                }
                while (!stopping.IsCancellationRequested && await ticks.WaitForNextTickAsync(stopping));
            }
            catch (OperationCanceledException)
            {
            }
            finally
            {
                _events.Writer.TryComplete();
            }
        }

        /// <summary>One server-sent event; the JSON is on one line, so it is one <c>data:</c> field.</summary>
        static string Frame(string eventName, string json) => "event: " + eventName + "\ndata: " + json + "\n\n";
    }
}
