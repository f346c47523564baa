using EdgeBroker.Core.Security;

namespace EdgeBroker.Core.Tests.Security;

/// <summary>The small encoders the security code writes itself instead of depending on framework APIs the device
/// may lack: hexadecimal and constant-time comparison (UTF-8 and JSON strings: Text/Utf8Tests, Text/JsonStringTests).</summary>
public class EncodingTests
{
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
