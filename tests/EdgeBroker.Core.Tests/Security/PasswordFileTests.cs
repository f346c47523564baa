using System.Security.Cryptography;
using System.Text;
using EdgeBroker.Core.Security;

namespace EdgeBroker.Core.Tests.Security;

/// <summary>mosquitto's password_file: lines written by the real mosquitto_passwd (2.0, Debian), checked by the core's own
/// SHA-512 and PBKDF2, which are compared with .NET's.</summary>
public class PasswordFileTests
{
    // mosquitto_passwd -c -b pw alice 's3cret pass'; mosquitto_passwd -b pw bob hunter2;
    // mosquitto_passwd -H sha512 -b pw carol 'pässwörd'
    const string MadeByMosquittoPasswd = """
        alice:$7$101$lS/ALraPcEUMlKUP$dO8UpM3nrorO2tKfKWlhaaLeHjfZ9yn2FnlyWMxJyc/X2XTY+6V7vxJPhW0IHGo8g+y+159kuj77UyGvg8q0rg==
        bob:$7$101$n0BQdkSn64CmMTtu$h0k6/TASNT6ntewT6AlZOzaE3vQOPcoiwITedJI1SQqW9DajsC8wIeQBnhev8Y+tzfGAk1ngtJU7XzgMOyBHyw==
        carol:$6$Zusyt/3xOZbnQteY$QijUQTs1SB+D2frVRBJrkAwFPc82k/jkR6XvrDerFmozWHLmcoCRY/CJi5LK3+FYj8bEkiVaWTHJhMCWh5M2fQ==
        """;

    static readonly PasswordFile File = PasswordFile.Parse(MadeByMosquittoPasswd);

    [Theory]
    [InlineData("alice", "s3cret pass", true)]
    [InlineData("alice", "s3cret pas", false)]
    [InlineData("bob", "hunter2", true)]
    [InlineData("bob", "s3cret pass", false)]
    [InlineData("carol", "pässwörd", true)]
    [InlineData("carol", "passwort", false)]
    [InlineData("dave", "hunter2", false)]
    public void A_user_logs_in_with_the_password_mosquitto_passwd_hashed(string user, string password, bool accepted)
    {
        Assert.Equal(accepted, File.Verify(user, Encoding.UTF8.GetBytes(password)));
    }

    [Fact]
    public void Comments_lines_without_a_hash_and_windows_line_ends_are_skipped()
    {
        var file = PasswordFile.Parse("# users\r\nnobody\r\nempty:\r\n" + MadeByMosquittoPasswd.Replace("\n", "\r\n") + "\r\n");

        Assert.Equal(3, file.UserCount);
        Assert.True(file.Verify("bob", Encoding.UTF8.GetBytes("hunter2")));
    }

    [Theory]
    [InlineData("eve:plaintext")]
    [InlineData("eve:$7$0$lS/ALraPcEUMlKUP$dO8UpM3nrorO2tKfKWlhaaLeHjfZ9yn2FnlyWMxJyc/X2XTY+6V7vxJPhW0IHGo8g+y+159kuj77UyGvg8q0rg==")]
    [InlineData("eve:$7$101$c2hvcnQ=$dO8UpM3nrorO2tKfKWlhaaLeHjfZ9yn2FnlyWMxJyc/X2XTY+6V7vxJPhW0IHGo8g+y+159kuj77UyGvg8q0rg==")]
    [InlineData("eve:$5$lS/ALraPcEUMlKUP$dO8UpM3nrorO2tKfKWlhaaLeHjfZ9yn2FnlyWMxJyc/X2XTY+6V7vxJPhW0IHGo8g+y+159kuj77UyGvg8q0rg==")]
    public void A_hash_mosquitto_could_not_use_is_refused_naming_line_and_user_but_not_the_hash(string line)
    {
        var error = Assert.Throws<ArgumentException>(() => PasswordFile.Parse("# one user\n" + line));

        Assert.Contains("line 2 (user eve)", error.Message);
        Assert.DoesNotContain(line.Substring(4), error.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(111)]
    [InlineData(112)]
    [InlineData(128)]
    [InlineData(1000)]
    public void Sha512_matches_dotnet(int length)
    {
        var data = new byte[length];
        new Random(length).NextBytes(data);

        Assert.Equal(SHA512.HashData(data), Sha512.Hash(data));
    }

    [Theory]
    [InlineData("", 1)]
    [InlineData("pw", 101)]
    [InlineData("a password longer than one SHA-512 block of 128 bytes, so that HMAC hashes the key first ......................!", 3)]
    public void A_pbkdf2_hash_made_by_dotnet_is_verified(string password, int iterations)
    {
        var salt = RandomNumberGenerator.GetBytes(12);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA512, 64);
        var file = PasswordFile.Parse($"u:$7${iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}\n");

        Assert.True(file.Verify("u", Encoding.UTF8.GetBytes(password)));
        Assert.False(file.Verify("u", Encoding.UTF8.GetBytes(password + "x")));
    }
}
