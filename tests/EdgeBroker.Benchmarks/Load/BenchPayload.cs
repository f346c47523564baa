using System.Buffers;
using System.Buffers.Binary;

namespace EdgeBroker.Benchmarks.Load;

/// <summary>
/// Layout of a benchmark message's payload. The header lets the receiver compute latency and tell lost, duplicated,
/// misrouted and stale (earlier phase) messages apart; the rest is zero padding up to the payload size.
/// </summary>
/// <remarks>Little-endian: [0,8) Stopwatch timestamp at publish · [8,12) phase · [12,16) pair · [16,20) sequence.</remarks>
public readonly record struct BenchPayload(long SentTimestamp, int Phase, int Pair, int Sequence)
{
    public const int HeaderSize = 20;

    public void WriteTo(Span<byte> payload)
    {
        BinaryPrimitives.WriteInt64LittleEndian(payload, SentTimestamp);
        BinaryPrimitives.WriteInt32LittleEndian(payload[8..], Phase);
        BinaryPrimitives.WriteInt32LittleEndian(payload[12..], Pair);
        BinaryPrimitives.WriteInt32LittleEndian(payload[16..], Sequence);
    }

    /// <summary>Reads the header, or returns false for a payload too short to be one of ours.</summary>
    public static bool TryRead(in ReadOnlySequence<byte> payload, out BenchPayload header)
    {
        if (payload.Length < HeaderSize)
        {
            header = default;
            return false;
        }

        Span<byte> bytes = stackalloc byte[HeaderSize];
        payload.Slice(0, HeaderSize).CopyTo(bytes);
        return TryRead(bytes, out header);
    }

    /// <inheritdoc cref="TryRead(in ReadOnlySequence{byte}, out BenchPayload)"/>
    public static bool TryRead(ReadOnlySpan<byte> payload, out BenchPayload header)
    {
        if (payload.Length < HeaderSize)
        {
            header = default;
            return false;
        }

        header = new BenchPayload(
            BinaryPrimitives.ReadInt64LittleEndian(payload),
            BinaryPrimitives.ReadInt32LittleEndian(payload[8..]),
            BinaryPrimitives.ReadInt32LittleEndian(payload[12..]),
            BinaryPrimitives.ReadInt32LittleEndian(payload[16..]));
        return true;
    }
}
