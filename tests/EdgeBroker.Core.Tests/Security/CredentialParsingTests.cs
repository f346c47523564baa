using System.Text;
using EdgeBroker.Core.Security;

namespace EdgeBroker.Core.Tests.Security;

/// <summary>User names and token passwords in their documented forms, and everything else refused.</summary>
public class CredentialParsingTests
{
    [Theory]
    [InlineData("Signature|LTAI5t|mqtt-cn-123", "Signature", "LTAI5t", "mqtt-cn-123")]
    [InlineData("Token|LTAI5t|mqtt-cn-123", "Token", "LTAI5t", "mqtt-cn-123")]
    [InlineData("Device|GID_a@@@x|y", "Device", "GID_a@@@x|y", null)]
    [InlineData("Pair|GID_a", "Pair", "GID_a", null)]
    public void User_names_split_into_mode_and_fields(string userName, string mode, string first, string? second)
    {
        CredentialUserName parsed = CredentialUserName.Parse(userName);

        Assert.Equal(mode, parsed.Mode);
        Assert.Equal(first, parsed.First);
        Assert.Equal(second, parsed.Second);
    }

    [Theory]
    [InlineData("admin")]
    [InlineData("|x|y")]
    [InlineData("Signature|key")]
    [InlineData("Signature|key|")]
    [InlineData("Signature||inst")]
    [InlineData("Signature|key|inst|extra")]
    [InlineData("signature|key|inst")]
    [InlineData("Device|")]
    [InlineData("Pair|")]
    [InlineData("Other|a|b")]
    public void Other_user_names_are_refused(string userName)
    {
        Assert.Null(CredentialUserName.Parse(userName));
    }

    [Theory]
    [InlineData("R|t1|W|t2", "t1", "t2")]
    [InlineData("W|t2|R|t1", "t1", "t2")]
    [InlineData("RW|t", "t", "t")]
    [InlineData("R|t1", "t1", null)]
    [InlineData("W|a+b/c=", null, "a+b/c=")]
    public void Token_passwords_name_a_token_per_action(string password, string? read, string? write)
    {
        TokenPassword parsed = TokenPassword.Parse(Encoding.ASCII.GetBytes(password));

        Assert.Equal(read, parsed.ReadToken);
        Assert.Equal(write, parsed.WriteToken);
    }

    [Theory]
    [InlineData("")]
    [InlineData("R")]
    [InlineData("R|")]
    [InlineData("R||W|t")]
    [InlineData("R|t1|")]
    [InlineData("R|t1|R|t2")]
    [InlineData("RW|t|W|t2")]
    [InlineData("WR|t")]
    [InlineData("X|t")]
    [InlineData("R|t 1")]
    [InlineData("R|tü")]
    public void Malformed_token_passwords_are_refused(string password)
    {
        Assert.Null(TokenPassword.Parse(Encoding.UTF8.GetBytes(password)));
    }
}
