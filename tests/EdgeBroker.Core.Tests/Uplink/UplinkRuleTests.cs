using EdgeBroker.Core.Uplink;

namespace EdgeBroker.Core.Tests.Uplink;

public class UplinkRuleTests
{
    [Fact]
    public void Forward_rule_without_prefixes_keeps_the_topic()
    {
        var rule = UplinkRule.Forward("sensors/#", 1);

        Assert.Equal("sensors/a/temp", rule.MapUp("sensors/a/temp"));
        Assert.Null(rule.MapUp("actuators/a"));
        Assert.Null(rule.MapDown("sensors/a/temp"));
    }

    [Fact]
    public void Forward_rule_swaps_the_local_prefix_for_the_remote_one()
    {
        var rule = new UplinkRule(UplinkDirection.Forward, "sensors/#", 1, "sensors/", "site-7/sensors/");

        Assert.Equal("site-7/sensors/a/temp", rule.MapUp("sensors/a/temp"));
        Assert.Equal("site-7/sensors/#", rule.RemoteFilter);
        Assert.Equal("sensors/#", rule.LocalFilter);
    }

    [Fact]
    public void Subscribe_rule_swaps_the_remote_prefix_for_the_local_one()
    {
        var rule = new UplinkRule(UplinkDirection.Subscribe, "cloud/cmd/+", 1, "cmd/", "cloud/cmd/");

        Assert.Equal("cmd/valve", rule.MapDown("cloud/cmd/valve"));
        Assert.Null(rule.MapDown("cloud/other/valve"));
        Assert.Equal("cmd/+", rule.LocalFilter);
        Assert.Equal("cloud/cmd/+", rule.RemoteFilter);
    }

    [Theory]
    [InlineData("mqtt://broker.example.com:1884", "broker.example.com", 1884, false)]
    [InlineData("mqtts://broker.example.com", "broker.example.com", 8883, true)]
    [InlineData("mqtt://10.0.0.5", "10.0.0.5", 1883, false)]
    [InlineData("mqtt://[::1]:1990", "::1", 1990, false)]
    public void Addresses_are_read_with_default_ports(string text, string host, int port, bool tls)
    {
        var address = UplinkAddress.Parse(text)!;

        Assert.Equal((host, port, tls), (address.Host, address.Port, address.Tls));
    }

    [Theory]
    [InlineData("tcp://broker:1883")]
    [InlineData("mqtt://")]
    [InlineData("mqtt://broker:99999")]
    [InlineData("mqtt://broker:12ab")]
    [InlineData("mqtt://broker/path")]
    [InlineData("mqtt://site7:UplinkPw9876@127.0.0.1:1883")]
    [InlineData("mqtts://site7@broker")]
    [InlineData("mqtt://[site7:pw@::1]:1883")]
    public void Bad_addresses_are_refused(string text) => Assert.Null(UplinkAddress.Parse(text));

    [Theory]
    [InlineData("mqtt://site7:UplinkPw9876@127.0.0.1:21039")]
    [InlineData("mqtts://site7:UplinkPw9876@broker.example.com")]
    [InlineData("tcp://site7:UplinkPw9876@broker:1883")]
    public void An_address_with_user_information_is_refused_without_repeating_it(string text)
    {
        var refusal = UplinkAddress.Refusal(text);

        Assert.DoesNotContain("UplinkPw9876", refusal);
        Assert.DoesNotContain("site7", refusal);
        Assert.Contains("UserName and Password", refusal);
        Assert.Contains("uplink_username and uplink_password", refusal);
    }

    [Fact]
    public void Any_other_bad_address_is_named_in_its_refusal() =>
        Assert.Equal("'tcp://broker:1883' is not an upstream address (mqtt://host:port or mqtts://host:port)", UplinkAddress.Refusal("tcp://broker:1883"));

    [Theory]
    [InlineData("a/#", "a", true)]
    [InlineData("a/+/c", "a/b/#", true)]
    [InlineData("a/b", "a/c", false)]
    [InlineData("+/x", "y/+", true)]
    [InlineData("a/b/c", "a/b", false)]
    [InlineData("#", "anything/at/all", true)]
    [InlineData("a/+", "a/b/c", false)]
    public void Filters_overlap_when_a_topic_matches_both(string a, string b, bool overlap)
    {
        Assert.Equal(overlap, FilterOverlap.Overlaps(a, b));
        Assert.Equal(overlap, FilterOverlap.Overlaps(b, a));
    }

    [Fact]
    public void Signature_credentials_follow_ApsaraMQ()
    {
        var settings = new UplinkSettings("cloud")
        {
            ClientId = "GID_gw@@@dev1",
            AuthMode = UplinkAuthMode.Signature,
            AccessKeyId = "AKID",
            AccessKeySecret = "secret",
            InstanceId = "mqtt-cn-1",
        };

        var credentials = UplinkCredentials.For(settings);

        Assert.Equal("Signature|AKID|mqtt-cn-1", credentials.UserName);
        string expected = Convert.ToBase64String(
            new System.Security.Cryptography.HMACSHA1("secret"u8.ToArray()).ComputeHash("GID_gw@@@dev1"u8.ToArray()));
        Assert.Equal(expected, credentials.Password);
    }

    [Fact]
    public void Token_and_device_credential_modes_name_themselves_in_the_user_name()
    {
        var settings = new UplinkSettings("cloud")
        {
            ClientId = "c", AccessKeyId = "AK", InstanceId = "I", AccessKeySecret = "s", Password = "R|tok",
        };

        settings.AuthMode = UplinkAuthMode.Token;
        Assert.Equal(("Token|AK|I", "R|tok"), (UplinkCredentials.For(settings).UserName, UplinkCredentials.For(settings).Password));
        settings.AuthMode = UplinkAuthMode.DeviceCredential;
        Assert.Equal("DeviceCredential|AK|I", UplinkCredentials.For(settings).UserName);
        settings.AuthMode = UplinkAuthMode.None;
        Assert.Null(UplinkCredentials.For(settings).UserName);
    }
}
