using EdgeBroker.Core.Text;

namespace EdgeBroker.Core.Tests.Text;

public class SecretSettingsTests
{
    [Theory]
    [InlineData("wifi_password")]
    [InlineData("PfxPassword")]
    [InlineData("Secret")]
    [InlineData("uplink_access_key_secret")]
    [InlineData("access_key.k1")]
    public void IsSecret_MasksPasswordsSecretsAndDeviceAccessKeys(string name)
    {
        Assert.True(SecretSettings.IsSecret(name));
    }

    [Theory]
    [InlineData("access_key.k1.groups")]
    [InlineData("Port")]
    [InlineData("wifi_ssid")]
    [InlineData("Id")]
    public void IsSecret_LeavesOtherSettingsReadable(string name)
    {
        Assert.False(SecretSettings.IsSecret(name));
    }
}
