using EdgeBroker.Core.Security;

namespace EdgeBroker.Core.Tests.Security;

public class AccessKeyCheckTests
{
    [Theory]
    [InlineData("§")]
    [InlineData("qzkw")]
    [InlineData("Zq9-x7Wk2m4Pp1!")]
    public void A_secret_shorter_than_16_characters_is_warned_about_by_the_keys_id_only(string secret)
    {
        var warning = AccessKeyCheck.WeakSecretWarning("AK_ops", secret);

        Assert.NotNull(warning);
        Assert.StartsWith("Access key AK_ops has a secret shorter than 16 characters.", warning);
        Assert.Contains("guessed offline", warning);
        Assert.DoesNotContain(secret, warning);
    }

    [Theory]
    [InlineData("sixteen-chars-xx")]
    [InlineData("a much longer secret than anyone could guess")]
    public void A_secret_of_16_characters_or_more_is_not(string secret) => Assert.Null(AccessKeyCheck.WeakSecretWarning("AK", secret));

    [Fact]
    public void An_id_with_a_bar_is_a_problem_because_the_user_name_could_never_carry_it()
    {
        var problem = AccessKeyCheck.IdProblem("A|K");

        Assert.StartsWith("Access key 'A|K' has '|' in its ID", problem);
        Assert.Null(CredentialUserName.Parse("Signature|A|K|edgebroker"));
    }

    [Theory]
    [InlineData("AK")]
    [InlineData("LTAI5t-key_1.x")]
    public void Other_ids_are_not(string id) => Assert.Null(AccessKeyCheck.IdProblem(id));
}
