using System.Collections;
using EdgeBroker.Core.Uplink;

namespace EdgeBroker.Core.Tests.Uplink;

public class UplinkConfigCheckTests
{
    static string? Check(params UplinkSettings[] uplinks) => UplinkConfigCheck.Check(new ArrayList(uplinks));

    [Fact]
    public void One_uplink_both_ways_with_overlapping_rules_is_fine_because_origin_marks_stop_it()
    {
        var settings = UplinkFixture.Settings(rules: new[] { UplinkRule.Forward("sensors/#", 1), UplinkRule.Subscribe("sensors/#", 1) });

        Assert.Null(Check(settings));
    }

    [Fact]
    public void Two_uplinks_to_the_same_upstream_that_hand_each_other_the_same_topics_are_refused_naming_the_rules()
    {
        var a = UplinkFixture.Settings("a", rules: new[] { UplinkRule.Subscribe("data/#", 1), UplinkRule.Forward("other/#", 1) });
        var b = UplinkFixture.Settings("b", rules: new[] { UplinkRule.Forward("data/#", 1) });

        string? error = Check(a, b);

        Assert.NotNull(error);
        Assert.Contains("loop", error);
        Assert.Contains("uplink 'a' rule 'subscribe data/#'", error);
        Assert.Contains("uplink 'b' rule 'forward data/#'", error);
    }

    [Fact]
    public void A_loop_through_remapped_prefixes_is_found()
    {
        var a = UplinkFixture.Settings("a", rules: new[] { new UplinkRule(UplinkDirection.Subscribe, "up/#", 1, "local/", "up/") });
        var b = UplinkFixture.Settings("b", rules: new[] { new UplinkRule(UplinkDirection.Forward, "local/x/#", 1, "local/", "up/") });

        Assert.Contains("loop", Check(a, b));
    }

    [Fact]
    public void Two_uplinks_to_different_upstreams_may_relay_one_way()
    {
        var a = UplinkFixture.Settings("a", rules: new[] { UplinkRule.Subscribe("data/#", 1) });
        var b = UplinkFixture.Settings("b", rules: new[] { UplinkRule.Forward("data/#", 1) });
        b.Addresses.Clear();
        b.AddAddress(UplinkAddress.Parse("mqtt://elsewhere:1883"));

        Assert.Null(Check(a, b));
    }

    [Theory]
    [InlineData("sensors/#", 2, "", "", "QoS")]
    [InlineData("sensors/#/x", 1, "", "", "valid topic filter")]
    [InlineData("sensors/#", 1, "other/", "up/", "local prefix")]
    public void Bad_rules_are_named(string filter, int qos, string localPrefix, string remotePrefix, string expected)
    {
        var settings = UplinkFixture.Settings(rules: new UplinkRule(UplinkDirection.Forward, filter, qos, localPrefix, remotePrefix));

        string? error = Check(settings);

        Assert.Contains("uplink 'cloud' rule 'forward " + filter, error);
        Assert.Contains(expected, error);
    }

    [Fact]
    public void Settings_without_address_client_id_or_rules_are_refused()
    {
        var noAddress = UplinkFixture.Settings();
        noAddress.Addresses.Clear();
        var noClient = UplinkFixture.Settings();
        noClient.ClientId = "";
        var noRules = UplinkFixture.Settings();
        noRules.ForwardRules.Clear();

        Assert.Contains("no address", Check(noAddress));
        Assert.Contains("no client ID", Check(noClient));
        Assert.Contains("no forward or subscribe rule", Check(noRules));
        Assert.Contains("twice", Check(UplinkFixture.Settings(), UplinkFixture.Settings()));
    }
}
