namespace EdgeBroker.Host.Mqtt;

/// <summary>
/// The writers a connection's reader appended to while it handled the packets of one read (the publisher's own PUBACK,
/// the receivers' PUBLISHes), written by that reader itself once it has consumed what it read and is about to wait for
/// more (<see cref="WriteCollected"/>). At a steady rate each message arrives alone; a flush queued on the thread pool
/// cost a hop and a wake-up per written packet on top of the reader's own (docs/performance.md, "Writes at the end of a
/// read"), where a write made here completes at once whenever the socket has room.
/// <para>
/// Per thread: the reader collects between <see cref="Begin"/> and <see cref="End"/>, around the synchronous handling
/// of one packet, and writes before it lets its thread go (an await that does not complete at once, a yield), so what it
/// collected is written on the thread that collected it. Code running on a thread outside that span (timers, the offline
/// drain, a write's continuation) collects nothing: its writers keep their deferred flush.
/// </para>
/// </summary>
static class ReadBatch
{
    [ThreadStatic]
    static bool t_collecting;

    [ThreadStatic]
    static List<PacketWriter>? t_writers;

    /// <summary>From now on, writers appended to on this thread wait for <see cref="WriteCollected"/>.</summary>
    public static void Begin() => t_collecting = true;

    /// <summary>Appends on this thread flush as before; what was collected waits for <see cref="WriteCollected"/>.</summary>
    public static void End() => t_collecting = false;

    /// <summary>Whether this thread collects: then <paramref name="writer"/> is written by <see cref="WriteCollected"/>
    /// (the writer calls this once until then).</summary>
    public static bool Collect(PacketWriter writer)
    {
        if (!t_collecting)
        {
            return false;
        }

        (t_writers ??= []).Add(writer);
        return true;
    }

    /// <summary>Writes what every writer collected on this thread has pending; a write that cannot complete at once goes
    /// on asynchronously.</summary>
    public static void WriteCollected()
    {
        if (t_writers is not { Count: > 0 } writers)
        {
            return;
        }

        t_collecting = false;

        // By index: a writer written here may have more appended (what waited for its room), never another collected.
        for (var i = 0; i < writers.Count; i++)
        {
            writers[i].WriteCollected();
        }

        writers.Clear();
    }
}
