using System.Text;
using EdgeBroker.Firmware.Uplink;

namespace EdgeBroker.Relay.Tests.Uplink;

/// <summary>A PEM <c>uplink_ca_file</c> reaches nanoFramework's <c>X509Certificate(byte[])</c> NUL-terminated, as its
/// native PEM parser needs (review-nf #3: without it every <c>mqtts://</c> attempt failed); DER goes unchanged.</summary>
public class CaCertificateBytesTests
{
    const string Pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

    [Theory]
    [InlineData("")]
    [InlineData("\r\n  \t")]
    [InlineData("\uFEFF")]
    [InlineData("\uFEFF\n")]
    public void PEM_after_an_optional_BOM_and_whitespace_gets_one_NUL_appended(string before)
    {
        var file = Encoding.UTF8.GetBytes(before + Pem);

        var given = CaCertificateBytes.ForNativeParser(file);

        Assert.Equal([.. file, 0], given);
        Assert.Same(given, CaCertificateBytes.ForNativeParser(given));
    }

    [Fact]
    public void DER_and_other_bytes_go_unchanged()
    {
        byte[] der = [0x30, 0x82, 0x03, 0x2D, 0x30, 0x82];
        Assert.Same(der, CaCertificateBytes.ForNativeParser(der));
        var text = Encoding.UTF8.GetBytes("-----BEGI");
        Assert.Same(text, CaCertificateBytes.ForNativeParser(text));
        Assert.Empty(CaCertificateBytes.ForNativeParser([]));
        Assert.Null(CaCertificateBytes.ForNativeParser(null!));
    }
}
