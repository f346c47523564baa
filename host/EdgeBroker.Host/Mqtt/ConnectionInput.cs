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
    /// <param name="secured">Whether the channel reads through TLS (whose layer keeps bytes of its own).</param>
    public ConnectionInput(ISocketInput socket, bool secured)
        : base(countsSocketBytes: !secured, waitsWithoutTaking: true)
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
        List<Wait>? waits = null;
        // By index: an ArrayList's enumerator is an object, one per PUBLISH matching anyone.
        for (var i = 0; i < receivers.Count; i++)
        {
            if (receivers[i] is ClientConnection { Input: { } input } && input != publisher && input.WaitIfEarlierInput() is { } wait)
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

    /// <summary>What a wait on this reader must see, or null when it may hold no earlier input.</summary>
    Wait? WaitIfEarlierInput()
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
        return MayHoldEarlierInput(observed, unread, peeked, peekedCount) ? new Wait(this, observed, hasTarget, target) : null;
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

    /// <summary>One receiver's reader as the check found it.</summary>
    sealed record Wait(ConnectionInput Input, int Observed, bool HasTarget, int Target);
}
