using EdgeBroker.Core;

namespace EdgeBroker.Host.Mqtt;

/// <summary>
/// When each open connection's keep-alive [MQTT-3.1.2-24] must next be looked at, so the once-a-second tick looks only
/// at those: a client that last sent a packet at T cannot have been silent for one and a half keep-alive periods before
/// <see cref="ClientConnection.KeepAliveDeadlineMs"/>, so its connection waits in the slot of that second, and is put
/// back for its new deadline if a packet came meanwhile. Walking every connection every second was a fifth of an idle
/// host's CPU at 10,000 clients (docs/performance.md, "Ticks that walk only what is due"); mosquitto keeps its
/// keep-alives the same way. The slots cover <see cref="SlotCount"/> seconds: a deadline further off is looked at when
/// the wheel comes round, and put back. A connection without keep-alive is never added.
/// <para>The connections are linked through their own <see cref="ClientConnection.KeepAliveNext"/> and
/// <see cref="ClientConnection.KeepAlivePrevious"/> (guarded by this wheel's lock): no node or table entry per
/// connection, and removing one costs the same however many there are.</para>
/// </summary>
sealed class KeepAliveWheel
{
    const int SlotCount = 64;

    readonly object _sync = new();
    readonly ClientConnection?[] _slots = new ClientConnection?[SlotCount];

    /// <summary>The last second (<see cref="Clock.MonotonicMs"/> ÷ 1000) whose slot was looked at.</summary>
    long _lastSecond = Clock.MonotonicMs() / 1000;

    public void Add(ClientConnection connection)
    {
        if (connection.KeepAliveSeconds == 0)
        {
            return;
        }

        lock (_sync)
        {
            Link(connection, Clock.MonotonicMs() / 1000);
        }
    }

    /// <summary>The connection has ended; nothing when it was never added or already removed.</summary>
    public void Remove(ClientConnection connection)
    {
        lock (_sync)
        {
            Unlink(connection);
        }
    }

    /// <summary>The connections whose clients have been silent too long at <paramref name="nowMs"/>
    /// (<see cref="Clock.MonotonicMs"/>). They stay on the wheel, looked at again in a second, until
    /// <see cref="Remove"/>d as their connections end.</summary>
    public List<ClientConnection>? Expired(long nowMs)
    {
        var now = nowMs / 1000;
        List<ClientConnection>? expired = null;
        lock (_sync)
        {
            // Every slot once at most, however long since the last call (a stalled timer).
            for (var second = Math.Max(_lastSecond + 1, now - SlotCount + 1); second <= now; second++)
            {
                var slot = (int)(second % SlotCount);
                var connection = _slots[slot];
                _slots[slot] = null;
                while (connection is not null)
                {
                    // The slot was emptied above; Link gives the connection its new place and neighbours.
                    var next = connection.KeepAliveNext;
                    if (connection.KeepAliveExpired(nowMs))
                    {
                        (expired ??= []).Add(connection);
                    }

                    Link(connection, now);
                    connection = next;
                }
            }

            _lastSecond = Math.Max(_lastSecond, now);
        }

        return expired;
    }

    /// <summary>Puts <paramref name="connection"/> in the slot of its deadline's second, one second from
    /// <paramref name="now"/> at the soonest and within the wheel's reach at the latest.</summary>
    void Link(ClientConnection connection, long now)
    {
        var due = (connection.KeepAliveDeadlineMs + 999) / 1000;
        due = Math.Clamp(due, now + 1, now + SlotCount - 1);
        var slot = (int)(due % SlotCount);
        var head = _slots[slot];
        connection.KeepAliveSlot = slot;
        connection.KeepAlivePrevious = null;
        connection.KeepAliveNext = head;
        if (head is not null)
        {
            head.KeepAlivePrevious = connection;
        }

        _slots[slot] = connection;
    }

    void Unlink(ClientConnection connection)
    {
        if (connection.KeepAliveSlot < 0)
        {
            return;
        }

        var previous = connection.KeepAlivePrevious;
        var next = connection.KeepAliveNext;
        if (previous is null)
        {
            _slots[connection.KeepAliveSlot] = next;
        }
        else
        {
            previous.KeepAliveNext = next;
        }

        if (next is not null)
        {
            next.KeepAlivePrevious = previous;
        }

        connection.KeepAliveNext = connection.KeepAlivePrevious = null;
        connection.KeepAliveSlot = -1;
    }
}
