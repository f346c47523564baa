using System.Text;
using EdgeBroker.Core.Security;
using FsCheck.Xunit;

namespace EdgeBroker.Core.Tests.Security;

/// <summary>The small encoders the security code writes itself instead of depending on framework APIs the device
/// may lack: UTF-8, hexadecimal and constant-time comparison (JSON strings: Text/JsonStringTests).</summary>
public class EncodingTests
{
    [Property(MaxTest = 500)]
    public bool Utf8_agrees_with_dotnet_for_any_string(string? text)
    {
        text ??= "";
        return Utf8.GetBytes(text).AsSpan().SequenceEqual(Encoding.UTF8.GetBytes(text));
    }

    [Theory]
    [InlineData("GID_ü@@@d€v")]
    [InlineData("emoji \U0001F600 pair")]
    [InlineData("lone \uD800 high and \uDC00 low")]
    public void Utf8_handles_multibyte_surrogate_pairs_and_unpaired_surrogates_like_dotnet(string text)
    {
        Assert.Equal(Encoding.UTF8.GetBytes(text), Utf8.GetBytes(text));
    }

    [Fact]
    public void Hex_is_lower_case_two_digits_per_byte()
    {
        Assert.Equal("00ff10ab", Hex.Of(new byte[] { 0x00, 0xFF, 0x10, 0xAB }));
    }

    [Fact]
    public void Constant_time_comparison_is_plain_equality_of_contents()
    {
        Assert.True(ConstantTime.AreEqual(new byte[] { 1, 2, 3 }, new byte[] { 1, 2, 3 }));
        Assert.False(ConstantTime.AreEqual(new byte[] { 1, 2, 3 }, new byte[] { 1, 2, 4 }));
        Assert.False(ConstantTime.AreEqual(new byte[] { 1, 2, 3 }, new byte[] { 1, 2 }));
        Assert.False(ConstantTime.AreEqual(new byte[] { 1 }, null));
        Assert.True(ConstantTime.AreEqual(Array.Empty<byte>(), Array.Empty<byte>()));
    }
}
