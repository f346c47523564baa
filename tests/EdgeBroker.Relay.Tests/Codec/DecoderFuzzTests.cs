using System.Text;
using EdgeBroker.Core.Text;
using EdgeBroker.Firmware.Relay.Codec;
using EdgeBroker.Relay.Tests.Support;
using FsCheck;
using FsCheck.Fluent;

namespace EdgeBroker.Relay.Tests.Codec;

/// <summary>
/// Property-based fuzzing of the relay's decoder: whatever bytes a client sends, decoding either yields packets or
/// throws <see cref="MalformedPacketException"/> (which closes that connection) — never another exception, never a
/// read past the packet. Bounded in <c>dotnet test</c>; set EDGEBROKER_FUZZ_CASES (e.g. 1000000) to run longer.
/// </summary>
public class DecoderFuzzTests
{
    static readonly int Cases = int.TryParse(Environment.GetEnvironmentVariable("EDGEBROKER_FUZZ_CASES"), out var n) ? n : 3000;

    static Config Configured => Config.QuickThrowOnFailure.WithMaxTest(Cases);

    [Fact]
    public void Random_bytes_decode_or_are_refused_as_malformed()
    {
        Prop.ForAll(ArbMap.Default.ArbFor<byte[]>(), bytes => DecodesOrRefuses(bytes)).Check(Configured);
    }

    /// <summary>Valid packets with bytes flipped, cut or inserted: closer to a real client's mistakes than pure noise.</summary>
    [Fact]
    public void Mutated_valid_packets_decode_or_are_refused_as_malformed()
    {
        var mutated =
            from seed in Gen.Elements(ValidPackets)
            from position in Gen.Choose(0, 400)
            from value in ArbMap.Default.GeneratorFor<byte>()
            from kind in Gen.Choose(0, 2)
            select Mutate(seed, position % seed.Length, value, kind);

        Prop.ForAll(mutated.ToArbitrary(), bytes => DecodesOrRefuses(bytes)).Check(Configured);
    }

    [Fact]
    public void Utf8_decoder_accepts_exactly_strict_utf8_without_nul()
    {
        var strict = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        Prop.ForAll(ArbMap.Default.ArbFor<byte[]>(), bytes =>
        {
            string? expected;
            try
            {
                expected = strict.GetString(bytes);
                if (expected.Contains('\0'))
                {
                    expected = null;
                }
            }
            catch (DecoderFallbackException)
            {
                expected = null;
            }

            var chars = new char[bytes.Length];
            int count = Utf8.DecodeMqtt(bytes, 0, bytes.Length, chars);
            return expected == null ? count == -1 : count >= 0 && new string(chars, 0, count) == expected;
        }).Check(Configured);
    }

    [Fact]
    public void Utf8_encoder_round_trips_every_well_formed_string()
    {
        Prop.ForAll(ArbMap.Default.ArbFor<string>(), text =>
        {
            var value = (text ?? string.Empty).Replace("\0", string.Empty);
            if (!IsWellFormed(value))
            {
                return true;
            }

            var bytes = new byte[Utf8.EncodedLength(value)];
            int written = Utf8.Encode(value, bytes, 0);
            var chars = new char[bytes.Length];
            return written == bytes.Length
                && bytes.SequenceEqual(Encoding.UTF8.GetBytes(value))
                && new string(chars, 0, Utf8.DecodeMqtt(bytes, 0, bytes.Length, chars)) == value;
        }).Check(Configured);
    }

    static bool DecodesOrRefuses(byte[] bytes)
    {
        try
        {
            PacketDecoding.DecodeAll(bytes, 4096);
        }
        catch (MalformedPacketException)
        {
        }

        return true;
    }

    static byte[] Mutate(byte[] seed, int position, byte value, int kind)
    {
        var bytes = seed.ToList();
        switch (kind)
        {
            case 0:
                bytes[position] = value;
                break;
            case 1:
                bytes.RemoveRange(position, bytes.Count - position);
                break;
            default:
                bytes.Insert(position, value);
                break;
        }

        return bytes.ToArray();
    }

    static bool IsWellFormed(string value)
    {
        for (int i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(value[i]))
            {
                return false;
            }
        }

        return true;
    }

    static readonly byte[][] ValidPackets =
    [
        Packets.Connect("GID_a@@@dev", keepAlive: 60, cleanSession: true, willTopic: "status/dev", willPayload: "gone", userName: "u", password: "p"),
        Packets.Publish("app/p2p/GID_a@@@dev", "hello", qos: 1, packetId: 7),
        Packets.Subscribe(3, ("a/+/c", 1), ("#", 0)),
        Packets.Unsubscribe(4, "a/+/c"),
        [0x62, 0x02, 0x00, 0x05],
        [0xC0, 0x00],
        [0xE0, 0x00],
    ];
}
