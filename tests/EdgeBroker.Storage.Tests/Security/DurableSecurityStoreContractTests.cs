using EdgeBroker.Core.Security;

namespace EdgeBroker.Storage.Tests.Security;

/// <summary>The contract, plus what a durable store adds: devices and tokens are still there, as they were, after
/// closing and opening the store again.</summary>
public abstract class DurableSecurityStoreContractTests : SecurityStoreContractTests
{
    [Fact]
    public void Reopen_keeps_devices_as_last_saved()
    {
        Devices.SaveDevice(Device("GID_s@@@d1", revoked: false));
        Devices.SaveDevice(Device("GID_s@@@d1", revoked: true, name: "renamed"));

        Close();

        AssertDevice(Device("GID_s@@@d1", revoked: true, name: "renamed"), Devices.FindDevice("GID_s@@@d1"));
        Assert.Single(Devices.LoadDevices());
    }

    [Fact]
    public void Reopen_keeps_tokens_and_deleted_ones_stay_gone()
    {
        Tokens.SaveToken(Token("aa11", "AK", ["app", "sensors"], read: true, write: true));
        Tokens.SaveToken(Token("bb22", "AK", ["app"], read: true, write: false));
        Tokens.DeleteToken("bb22");

        Close();

        var loaded = Assert.Single(Tokens.LoadTokens().Cast<TokenRecord>());
        AssertToken(Token("aa11", "AK", ["app", "sensors"], read: true, write: true), loaded);
    }
}
