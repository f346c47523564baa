using EdgeBroker.Core.Security;

namespace EdgeBroker.Core.Tests.Security;

public class OpenBrokerRuleTests
{
    const int NotSet = OpenBrokerRule.NotSet;

    [Theory]
    [InlineData(NotSet, 0, 0, true)]
    [InlineData(NotSet, 1, 0, false)]
    [InlineData(NotSet, 0, 1, false)]
    [InlineData(1, 2, 3, true)]
    [InlineData(0, 0, 0, false)]
    public void Anonymous_clients_are_admitted_as_set_or_while_no_credentials_are_configured(int setting, int keys, int devices, bool admitted)
    {
        Assert.Equal(admitted, OpenBrokerRule.AdmitsAnonymous(setting, keys, devices));
    }

    [Theory]
    [InlineData(true, 0, NotSet, false)]
    [InlineData(false, 0, NotSet, true)]
    [InlineData(false, 0, 0, true)]
    [InlineData(false, 0, 1, false)]
    [InlineData(false, 1, NotSet, false)]
    public void Beyond_loopback_a_broker_needs_an_access_key_or_explicit_anonymous_access(bool loopbackOnly, int keys, int setting, bool needsKey)
    {
        Assert.Equal(needsKey, OpenBrokerRule.NeedsAccessKey(loopbackOnly, keys, setting));
    }
}
