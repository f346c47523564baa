using System.Text;
using EdgeBroker.Core.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace EdgeBroker.Core.Tests.Text;

public class Utf8Tests
{
    [Theory]
    [InlineData("GID_x@@@dev1")]
    [InlineData("ü€")]
    [InlineData("emoji \U0001F600 pair")]
    [InlineData("lone \uD800 high")]
    [InlineData("lone \uDC00 low")]
    [InlineData("\uD800")]
    [InlineData("")]
    public void GetBytes_MatchesDotNet(string text)
    {
        Assert.Equal(Encoding.UTF8.GetBytes(text), Utf8.GetBytes(text));
    }

    /// <summary>Same bytes as .NET for any UTF-16 text, unpaired surrogates included (both write U+FFFD).</summary>
    [Property(MaxTest = 2000)]
    public Property GetBytes_MatchesDotNetForAnyText()
    {
        var text = Gen.OneOf(Gen.Choose(0, 0xFFFF), Gen.Choose(0xD800, 0xDFFF))
            .Select(code => (char)code)
            .ArrayOf()
            .Select(chars => new string(chars))
            .ToArbitrary();
        return Prop.ForAll(text, value => Encoding.UTF8.GetBytes(value).SequenceEqual(Utf8.GetBytes(value)));
    }

    /// <summary>The decoder accepts exactly what .NET's strict decoder accepts, U+0000 included, and yields the same
    /// text; <see cref="Utf8.CharCount"/> agrees with it.</summary>
    [Property(MaxTest = 2000)]
    public bool Decode_AcceptsExactlyWellFormedUtf8(byte[] bytes)
    {
        var strict = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        string? expected;
        try
        {
            expected = strict.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            expected = null;
        }

        var chars = new char[bytes.Length];
        int count = Utf8.Decode(bytes, 0, bytes.Length, chars);
        return expected == null
            ? count == -1
            : count >= 0 && new string(chars, 0, count) == expected && Utf8.CharCount(bytes, 0, bytes.Length) == count;
    }

    /// <summary>The check the host runs before MQTTnet decodes a field accepts exactly what the relay's decoder does.</summary>
    [Property(MaxTest = 2000)]
    public bool IsValidMqtt_AgreesWithDecodeMqtt(byte[] bytes)
    {
        var padded = new byte[bytes.Length + 2];
        bytes.CopyTo(padded, 1);
        return Utf8.IsValidMqtt(padded, 1, bytes.Length) == (Utf8.DecodeMqtt(bytes, 0, bytes.Length, new char[bytes.Length]) >= 0);
    }

    [Theory]
    [InlineData(new byte[] { (byte)'d', (byte)'e', (byte)'v', 0xFF }, false)]
    [InlineData(new byte[] { (byte)'d', (byte)'e', (byte)'v', 0xFE }, false)]
    [InlineData(new byte[] { (byte)'a', 0x00 }, false)]
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 }, false)]
    [InlineData(new byte[] { 0xC0, 0xAF }, false)]
    [InlineData(new byte[] { (byte)'d', (byte)'e', (byte)'v', 0xEF, 0xBF, 0xBD }, true)]
    [InlineData(new byte[] { 0xF0, 0x9F, 0x98, 0x80 }, true)]
    [InlineData(new byte[0], true)]
    public void IsValidMqtt_RefusesIllFormedBytesAndNul(byte[] bytes, bool valid)
    {
        Assert.Equal(valid, Utf8.IsValidMqtt(bytes, 0, bytes.Length));
    }

    [Fact]
    public void DecodeMqtt_RefusesNul_DecodeKeepsIt()
    {
        var bytes = new byte[] { (byte)'a', 0, (byte)'b' };
        Assert.Equal(-1, Utf8.DecodeMqtt(bytes, 0, bytes.Length, new char[3]));
        Assert.Equal(3, Utf8.Decode(bytes, 0, bytes.Length, new char[3]));
    }

    [Fact]
    public void Encode_WritesIntoTheBufferAtTheOffset()
    {
        var buffer = new byte[8];
        int written = Utf8.Encode("ü\uD800", buffer, 3);
        Assert.Equal(Utf8.EncodedLength("ü\uD800"), written);
        Assert.Equal(new byte[] { 0, 0, 0, 0xC3, 0xBC, 0xEF, 0xBF, 0xBD }, buffer);
    }
}
