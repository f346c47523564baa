using System.Security.Cryptography;
using System.Text;
using EdgeBroker.Core.Security;

namespace EdgeBroker.Core.Tests.Security;

/// <summary>HMAC-SHA1 against RFC 2202's test cases and .NET's HMACSHA1.</summary>
public class HmacSha1Tests
{
    public static TheoryData<byte[], byte[], string> Rfc2202Cases() => new()
    {
        { Repeat(0x0b, 20), Encoding.ASCII.GetBytes("Hi There"), "b617318655057264e28bc0b6fb378c8ef146be00" },
        { Encoding.ASCII.GetBytes("Jefe"), Encoding.ASCII.GetBytes("what do ya want for nothing?"), "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79" },
        { Repeat(0xaa, 20), Repeat(0xdd, 50), "125d7342b9ac11cd91a39af48aa17b4f63f175d3" },
        { Enumerable.Range(1, 25).Select(i => (byte)i).ToArray(), Repeat(0xcd, 50), "4c9007f4026250c6bc8414f9bf50c86c2d7235da" },
        { Repeat(0x0c, 20), Encoding.ASCII.GetBytes("Test With Truncation"), "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04" },
        { Repeat(0xaa, 80), Encoding.ASCII.GetBytes("Test Using Larger Than Block-Size Key - Hash Key First"), "aa4ae5e15272d00e95705637ce8a3b55ed402112" },
        { Repeat(0xaa, 80), Encoding.ASCII.GetBytes("Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data"), "e8e99d0f45237d786d6bbaa7965c7808bbff1a91" },
    };

    [Theory]
    [MemberData(nameof(Rfc2202Cases))]
    public void Rfc2202_test_cases(byte[] key, byte[] data, string expectedHex)
    {
        Assert.Equal(expectedHex, Convert.ToHexString(HmacSha1.Compute(key, data)).ToLowerInvariant());
    }

    [Fact]
    public void Agrees_with_dotnet_on_random_keys_and_data()
    {
        var random = new Random(2202);
        for (int round = 0; round < 400; round++)
        {
            byte[] key = new byte[random.Next(0, 200)];
            byte[] data = new byte[random.Next(0, 300)];
            random.NextBytes(key);
            random.NextBytes(data);

            Assert.Equal(HMACSHA1.HashData(key, data), HmacSha1.Compute(key, data));
        }
    }

    static byte[] Repeat(byte value, int count) => Enumerable.Repeat(value, count).ToArray();
}
