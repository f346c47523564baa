using System.Security.Cryptography;
using System.Text;
using EdgeBroker.Core.Security;

namespace EdgeBroker.Core.Tests.Security;

/// <summary>The portable SHA-1 against RFC 3174's test vectors and .NET's implementation.</summary>
public class Sha1Tests
{
    [Theory]
    [InlineData("abc", 1, "A9993E364706816ABA3E25717850C26C9CD0D89D")]
    [InlineData("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1, "84983E441C3BD26EBAAE4AA1F95129E5E54670F1")]
    [InlineData("a", 1000000, "34AA973CD4C4DAA4F61EEB2BDBAD27316534016F")]
    [InlineData("0123456701234567012345670123456701234567012345670123456701234567", 10, "DEA356A2CDDD90C7A7ECEDC5EBB563934F460452")]
    public void Rfc3174_test_vectors(string text, int repeat, string expectedHex)
    {
        byte[] chunk = Encoding.ASCII.GetBytes(text);
        var sha = new Sha1();
        for (int i = 0; i < repeat; i++)
        {
            sha.Append(chunk, 0, chunk.Length);
        }

        Assert.Equal(expectedHex, Convert.ToHexString(sha.Finish()));
    }

    [Fact]
    public void Empty_input()
    {
        Assert.Equal("DA39A3EE5E6B4B0D3255BFEF95601890AFD80709", Convert.ToHexString(Sha1.Hash(Array.Empty<byte>())));
    }

    [Fact]
    public void Agrees_with_dotnet_on_random_inputs_around_every_padding_boundary()
    {
        var random = new Random(3174);
        for (int length = 0; length <= 300; length++)
        {
            byte[] data = new byte[length];
            random.NextBytes(data);

            Assert.Equal(SHA1.HashData(data), Sha1.Hash(data));
        }
    }

    [Fact]
    public void Incremental_appends_and_reuse_after_finish_give_the_one_shot_digest()
    {
        var random = new Random(42);
        var sha = new Sha1();
        for (int round = 0; round < 50; round++)
        {
            byte[] data = new byte[random.Next(0, 1000)];
            random.NextBytes(data);
            int offset = 0;
            while (offset < data.Length)
            {
                int count = Math.Min(random.Next(1, 130), data.Length - offset);
                sha.Append(data, offset, count);
                offset += count;
            }

            Assert.Equal(SHA1.HashData(data), sha.Finish());
        }
    }
}
