using System.Collections;
using System.Net.Sockets;
using EdgeBroker.Core;
using EdgeBroker.Core.Routing;
using EdgeBroker.Host.Transport;

namespace EdgeBroker.Host.Mqtt;

/// <summary>
/// One connection's <see cref="ReaderProgress"/> on the host (reported by its <see cref="GuardedChannel"/>), with the
/// socket whose unread bytes the core's check looks at and the task a wait on this reader awaits. A PUBLISH is routed
/// only after every receiving connection that may hold earlier input (an UNSUBSCRIBE already in its socket whose
/// reader has not run yet, on its reactor thread or the thread pool) has handled it; see <see cref="WaitForSubscribersAsync"/>.
/// </summary>
sealed class ConnectionInput : ReaderProgress
{
    /// <summary>How many of a receiver's unread bytes the check reads to tell acknowledgements from the rest: sixteen
    /// MQTT 3.1.1 PUBACKs.</summary>
    const int PeekedBytes = 64;

    /// <summary>The check's copy of a receiver's unread bytes, one per thread (a connection holds none).</summary>
    [ThreadStatic]
    static byte[]? t_peeked;

    readonly ISocketInput _socket;

    /// <summary>Completed at the reader's next progress; made by the first waiter after the last progress, so a
    /// connection nobody waits for holds none.</summary>
    TaskCompletionSource? _progressed;

    /// <param name="socket">The connection's socket, as the transport counts its unread bytes.</param>
    /// <param name="layered">Whether the channel reads through a layer whose bytes are not the socket's: TLS (which keeps
    /// bytes of its own), WebSocket (whose frame headers the socket's bytes hold too).</param>
    public ConnectionInput(ISocketInput socket, bool layered)
        : base(countsSocketBytes: !layered, waitsWithoutTaking: true)
    {
        _socket = socket;
    }

    /// <summary>
    /// Completes once every connection of <paramref name="receivers"/> (those subscribed to a PUBLISH's topic, as the
    /// core's <see cref="BrokerCore.MatchSubscribers"/> found them; null for none) has handled the input that had
    /// arrived when this was called — at once (null) when none may hold any, which is the usual case.
    /// <paramref name="publisher"/> (null for a connection the core does not know) is never waited for, and nobody
    /// waits for it meanwhile.
    /// </summary>
    public static Task? WaitForSubscribersAsync(ArrayList? receivers, ConnectionInput? publisher)
    {
        if (receivers is null)
        {
            return null;
        }

        publisher?.BeginWaitingForOthers();
        // Before any receiver is asked: every PUBLISH among the bytes taken by then arrived before the asking.
        var publisherTaken = publisher?.Taken ?? 0;
        var lastClear = t_lastClear ??= new LastClear();
        List<Wait>? waits = null;
        // By index: an ArrayList's enumerator is an object, one per PUBLISH matching anyone.
        for (var i = 0; i < receivers.Count; i++)
        {
            if (receivers[i] is ClientConnection { Input: { } input } && input != publisher
                && !lastClear.Covers(publisher, input, publisherTaken)
                && input.WaitIfEarlierInput(lastClear, publisher, publisherTaken) is { } wait)
            {
                (waits ??= []).Add(wait);
            }
        }

        if (waits is null)
        {
            publisher?.EndWaitingForOthers();
            return null;
        }

        return WaitAllAsync(publisher, waits);
    }

    static async Task WaitAllAsync(ConnectionInput? publisher, List<Wait> waits)
    {
        try
        {
            foreach (var wait in waits)
            {
                await wait.Input.WaitAsync(wait).ConfigureAwait(false);
            }
        }
        finally
        {
            publisher?.EndWaitingForOthers();
        }
    }

    /// <summary>What a wait on this reader must see, or null when it may hold no earlier input — remembered in
    /// <paramref name="lastClear"/> when that lasts for every PUBLISH <paramref name="publisher"/> had taken
    /// (<paramref name="publisherTaken"/> bytes).</summary>
    Wait? WaitIfEarlierInput(LastClear lastClear, ConnectionInput? publisher, int publisherTaken)
    {
        var observed = Observe();
        var peeked = t_peeked ??= new byte[PeekedBytes];
        int peekedCount;
        int unread;
        try
        {
            // One system call in the usual case: the peek also counts what it found, unless it filled the copy.
            peekedCount = _socket.Peek(peeked);
            unread = peekedCount < peeked.Length ? peekedCount : _socket.Available;
        }
        catch (Exception e) when (e is ObjectDisposedException or IOException or SocketException)
        {
            return null;
        }

        var hasTarget = TryTarget(observed, unread, out var target);
        if (MayHoldEarlierInput(observed, unread, peeked, peekedCount, out var heldNothing))
        {
            return new Wait(this, observed, hasTarget, target);
        }

        if (heldNothing && publisher is not null)
        {
            lastClear.Remember(publisher, this, publisherTaken);
        }

        return null;
    }

    async Task WaitAsync(Wait wait)
    {
        AddWaiter();
        try
        {
            while (true)
            {
                // Taken before asking, so progress made in between completes the task awaited.
                var progressed = Signal().Task;
                if (CaughtUp(wait.Observed, wait.HasTarget, wait.Target))
                {
                    return;
                }

                await progressed.ConfigureAwait(false);
            }
        }
        finally
        {
            RemoveWaiter();
        }
    }

    /// <summary>The reader made progress (called on its thread while someone waits): wakes the waiters, which ask again.</summary>
    protected override void OnProgressed() => Interlocked.Exchange(ref _progressed, null)?.TrySetResult();

    /// <summary>The signal of the reader's next progress, made if none waits yet.</summary>
    TaskCompletionSource Signal()
    {
        if (Volatile.Read(ref _progressed) is { } signal)
        {
            return signal;
        }

        var made = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return Interlocked.CompareExchange(ref _progressed, made, null) ?? made;
    }

    /// <summary>The receiver this thread's check last found holding nothing earlier, for which publisher and how many
    /// bytes that publisher had taken when it asked (<see cref="ReaderProgress.MayHoldEarlierInput"/>'s heldNothing):
    /// the next PUBLISHes of the same read go to the same receiver without a second peek, a system call each — at the
    /// harness's 8,000 msg/s a read brings about three (docs/performance.md, "Where the reactor's CPU goes at 8,000
    /// msg/s, sampled"). One slot: a PUBLISH to several receivers asks them all again, as before. Per thread, as the
    /// check's copy is: a publisher's reader moves to another thread only after a wait, and then just asks again. It
    /// keeps the two connections it names reachable until this thread's next check clears someone.</summary>
    [ThreadStatic]
    static LastClear? t_lastClear;

    sealed class LastClear
    {
        ConnectionInput? _publisher;
        ConnectionInput? _receiver;
        int _publisherTaken;

        /// <summary>Whether <paramref name="receiver"/> was found holding nothing earlier after
        /// <paramref name="publisher"/> had taken <paramref name="publisherTaken"/> bytes, which it still has.</summary>
        public bool Covers(ConnectionInput? publisher, ConnectionInput receiver, int publisherTaken) =>
            publisher is not null && publisher == _publisher && receiver == _receiver && publisherTaken == _publisherTaken;

        public void Remember(ConnectionInput publisher, ConnectionInput receiver, int publisherTaken)
        {
            _publisher = publisher;
            _receiver = receiver;
            _publisherTaken = publisherTaken;
        }
    }

    /// <summary>One receiver's reader as the check found it.</summary>
    sealed record Wait(ConnectionInput Input, int Observed, bool HasTarget, int Target);
}
