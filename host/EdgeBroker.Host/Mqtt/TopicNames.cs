using System.Text;

namespace EdgeBroker.Host.Mqtt;

/// <summary>
/// The topic strings of decoded PUBLISHes, kept per thread and handed out again while publishers keep publishing to the
/// same topics: a sensor publishes to one topic for its life, so decoding made the same string for every message
/// (about 100 bytes of a 64-byte message's ~440 allocated, docs/performance.md "Work per message"). A small table per
/// thread, one string per slot chosen by the bytes' hash, costs no memory per connection and no lock; a topic that
/// misses (a new one, or two topics sharing a slot in turn) is decoded as before. Only ASCII topics are compared and
/// kept: for them a byte equal to a character means the same text, which is not so once a byte is above 0x7F.
/// </summary>
static class TopicNames
{
    /// <summary>Slots per thread: more topics than the publishers a reactor's thread serves at once, in 512 bytes.</summary>
    const int Slots = 64;

    [ThreadStatic]
    static string?[]? t_slots;

    /// <summary>The topic whose well-formed UTF-8 (checked before, <see cref="PacketRules.CheckStrings"/>) is
    /// <paramref name="utf8"/>: this thread's string for it when it has one, else a new one.</summary>
    public static string Get(ReadOnlySpan<byte> utf8)
    {
        if (!Ascii.IsValid(utf8))
        {
            return Encoding.UTF8.GetString(utf8);
        }

        var slots = t_slots ??= new string?[Slots];
        var hash = new HashCode();
        hash.AddBytes(utf8);
        ref var slot = ref slots[hash.ToHashCode() & (Slots - 1)];
        if (slot is { } kept && Ascii.Equals(utf8, kept))
        {
            return kept;
        }

        return slot = Encoding.ASCII.GetString(utf8);
    }
}
