using System.Text;
using EdgeBroker.Core.Text;
using EdgeBroker.Core.Topics;

namespace EdgeBroker.Host.Mqtt;

/// <summary>
/// The topic strings of decoded PUBLISHes, kept per thread and handed out again while publishers keep publishing to the
/// same topics: a sensor publishes to one topic for its life, so decoding made the same string for every message
/// (about 100 bytes of a 64-byte message's ~440 allocated, docs/performance.md "Work per message"). A small table per
/// thread, one string per slot chosen by the bytes' hash, costs no memory per connection and no lock; a topic that
/// misses (a new one, or two topics sharing a slot in turn) is decoded and checked as before. Only ASCII topics are
/// compared and kept: for them a byte equal to a character means the same text, which is not so once a byte is above
/// 0x7F. Only valid topic names are kept, so a topic found in the table needs no check again: its bytes are the
/// characters of a string the core's <see cref="TopicValidator"/> accepted.
/// </summary>
static class TopicNames
{
    /// <summary>Slots per thread: more topics than the publishers a reactor's thread serves at once, in 512 bytes.</summary>
    const int Slots = 64;

    [ThreadStatic]
    static string?[]? t_slots;

    /// <summary>The topic name whose UTF-8 is <paramref name="length"/> bytes at <paramref name="start"/> of
    /// <paramref name="buffer"/>: this thread's string for it when it has one, else a new one; null when the bytes are
    /// not a valid topic name (not well-formed MQTT UTF-8 — the core's <see cref="Utf8.IsValidMqtt"/> —, empty, or
    /// with a wildcard: <see cref="TopicValidator.IsValidTopicName"/>).</summary>
    public static string? Get(byte[] buffer, int start, int length)
    {
        var utf8 = buffer.AsSpan(start, length);
        if (!Ascii.IsValid(utf8))
        {
            if (!Utf8.IsValidMqtt(buffer, start, length))
            {
                return null;
            }

            var decoded = Encoding.UTF8.GetString(utf8);
            return TopicValidator.IsValidTopicName(decoded) ? decoded : null;
        }

        var slots = t_slots ??= new string?[Slots];
        var hash = new HashCode();
        hash.AddBytes(utf8);
        ref var slot = ref slots[hash.ToHashCode() & (Slots - 1)];
        if (slot is { } kept && Ascii.Equals(utf8, kept))
        {
            return kept;
        }

        // ASCII: well-formed UTF-8; U+0000 and the wildcards are the validator's.
        var topic = Encoding.ASCII.GetString(utf8);
        if (!TopicValidator.IsValidTopicName(topic))
        {
            return null;
        }

        return slot = topic;
    }
}
