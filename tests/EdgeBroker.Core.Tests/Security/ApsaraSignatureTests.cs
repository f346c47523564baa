using System.Security.Cryptography;
using System.Text;
using EdgeBroker.Core.Security;

namespace EdgeBroker.Core.Tests.Security;

/// <summary>Signature-mode passwords as ApsaraMQ's SDK samples compute them.</summary>
public class ApsaraSignatureTests
{
    [Theory]
    // Reference values computed independently (Python hmac/hashlib/base64).
    [InlineData("SecretKey123", "GID_test@@@device1", "G5LfrxJia994WkwBm8H1gIiYGRo=")]
    [InlineData("sécret", "GID_ü@@@d€v", "Me+aIA76tDBPbI3C32j4Wo/aHvc=")]
    public void Password_is_base64_of_hmac_sha1_of_the_client_id(string secret, string clientId, string expected)
    {
        Assert.Equal(expected, ApsaraSignature.PasswordFor(secret, clientId));
    }

    [Fact]
    public void Agrees_with_dotnet_hmacsha1_and_base64_on_random_inputs()
    {
        var random = new Random(5);
        for (int round = 0; round < 200; round++)
        {
            string secret = RandomText(random, random.Next(1, 60));
            string clientId = RandomText(random, random.Next(1, 80));
            string expected = Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(clientId)));

            Assert.Equal(expected, ApsaraSignature.PasswordFor(secret, clientId));
            Assert.True(ApsaraSignature.Verify(secret, clientId, Encoding.ASCII.GetBytes(expected)));
        }
    }

    [Fact]
    public void Verify_refuses_a_signature_of_another_client_id_or_with_another_secret()
    {
        byte[] password = Encoding.ASCII.GetBytes(ApsaraSignature.PasswordFor("secret", "GID_a@@@one"));

        Assert.False(ApsaraSignature.Verify("secret", "GID_a@@@two", password));
        Assert.False(ApsaraSignature.Verify("other", "GID_a@@@one", password));
        Assert.False(ApsaraSignature.Verify("secret", "GID_a@@@one", null!));
    }

    static string RandomText(Random random, int length)
    {
        var text = new StringBuilder();
        for (int i = 0; i < length; i++)
        {
            text.Append((char)random.Next(0x20, 0x3000));
        }

        return text.ToString();
    }
}
