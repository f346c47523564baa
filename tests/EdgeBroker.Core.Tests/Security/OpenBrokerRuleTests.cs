using EdgeBroker.Core.Security;

namespace EdgeBroker.Core.Tests.Security;

public class OpenBrokerRuleTests
{
    const int NotSet = OpenBrokerRule.NotSet;

    [Theory]
    [InlineData(NotSet, false, true)]
    [InlineData(NotSet, true, false)]
    [InlineData(1, true, true)]
    [InlineData(0, false, false)]
    public void Anonymous_clients_are_admitted_as_set_or_while_no_credentials_are_configured(int setting, bool credentials, bool admitted)
    {
        Assert.Equal(admitted, OpenBrokerRule.AdmitsAnonymous(setting, credentials));
    }

    [Theory]
    [InlineData(true, false, NotSet, false)]
    [InlineData(false, false, NotSet, true)]
    [InlineData(false, false, 0, true)]
    [InlineData(false, false, 1, false)]
    [InlineData(false, true, NotSet, false)]
    public void Beyond_loopback_a_broker_needs_a_way_to_sign_in_or_explicit_anonymous_access(bool loopbackOnly, bool signIn, int setting, bool needsKey)
    {
        Assert.Equal(needsKey, OpenBrokerRule.NeedsAccessKey(loopbackOnly, signIn, setting));
    }
}
