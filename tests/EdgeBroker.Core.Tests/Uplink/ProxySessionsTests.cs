using System.Collections;
using EdgeBroker.Core.Uplink;

namespace EdgeBroker.Core.Tests.Uplink;

/// <summary>The proxy-session rule (docs/federation.md, "Down path 1: proxy sessions"): who gets one, the cap, a
/// takeover, and what a proxy connection may deliver.</summary>
public class ProxySessionsTests
{
    static ProxySessions Proxies(int max = 2, params string[] groups)
    {
        var settings = new UplinkSettings("cloud") { ClientId = "gw", MaxProxySessions = max };
        settings.AddAddress(UplinkAddress.Parse("mqtt://upstream:1883"));
        foreach (var group in groups.Length == 0 ? ["GID_dev"] : groups)
        {
            settings.ProxyGroups.Add(group);
        }

        return new Core.Uplink.Uplink(settings, new MemoryUplinkQueueStore(), new SeededRandomSource()).Proxies;
    }

    [Fact]
    public void Only_clients_of_proxied_groups_get_one_and_at_most_the_cap()
    {
        var proxies = Proxies(max: 2);

        Assert.Equal(ProxyAdmission.NotProxied, proxies.Admit("GID_other@@@x", new object()));
        Assert.Equal(ProxyAdmission.NotProxied, proxies.Admit("no-group", new object()));
        Assert.Equal(ProxyAdmission.Open, proxies.Admit("GID_dev@@@a", new object()));
        Assert.Equal(ProxyAdmission.Open, proxies.Admit("GID_dev@@@b", new object()));
        Assert.Equal(ProxyAdmission.OverCap, proxies.Admit("GID_dev@@@c", new object()));
        Assert.Equal((2, 1L), (proxies.Count, proxies.OverCap));
    }

    [Fact]
    public void A_takeover_keeps_the_proxy_and_only_the_newest_connection_closes_it()
    {
        var proxies = Proxies();
        object older = new(), newer = new();

        Assert.Equal(ProxyAdmission.Open, proxies.Admit("GID_dev@@@a", older));
        Assert.Equal(ProxyAdmission.AlreadyOpen, proxies.Admit("GID_dev@@@a", newer));
        Assert.False(proxies.Release("GID_dev@@@a", older));
        Assert.True(proxies.Release("GID_dev@@@a", newer));
        Assert.Equal(0, proxies.Count);
    }

    [Fact]
    public void A_place_freed_below_the_cap_goes_to_the_next_client_that_connects()
    {
        var proxies = Proxies(max: 1);
        var first = new object();
        proxies.Admit("GID_dev@@@a", first);
        Assert.Equal(ProxyAdmission.OverCap, proxies.Admit("GID_dev@@@b", new object()));

        proxies.Release("GID_dev@@@a", first);

        Assert.Equal(ProxyAdmission.Open, proxies.Admit("GID_dev@@@c", new object()));
    }

    [Fact]
    public void A_proxy_delivers_its_own_P2P_address_only_origin_marked_one_hop_more()
    {
        var proxies = Proxies();

        var message = proxies.Down("GID_dev@@@a", "plant/p2p/GID_dev@@@a", [1, 2], 1, arrivedHops: 2);

        Assert.NotNull(message);
        Assert.Equal(("plant/p2p/GID_dev@@@a", 1, false, "cloud", 3), (message.Topic, message.Qos, message.Retain, message.OriginUplink, message.Hops));
        Assert.Null(proxies.Down("GID_dev@@@a", "plant/p2p/GID_dev@@@b", [], 1, 0));
        Assert.Null(proxies.Down("GID_dev@@@a", "plant/p2p/GID_dev@@@ab", [], 1, 0));
        Assert.Null(proxies.Down("GID_dev@@@a", "plant/data", [], 1, 0));
        Assert.Equal(3L, proxies.NotForClient);
    }

    [Fact]
    public void An_uplink_that_only_proxies_is_valid_and_a_cap_below_one_is_refused()
    {
        var settings = new UplinkSettings("cloud") { ClientId = "gw" };
        settings.AddAddress(UplinkAddress.Parse("mqtt://upstream:1883"));
        settings.ProxyGroups.Add("GID_dev");

        Assert.Null(UplinkConfigCheck.Check(new ArrayList { settings }));
        settings.MaxProxySessions = 0;
        Assert.Contains("MaxProxySessions", UplinkConfigCheck.Check(new ArrayList { settings }));
    }

    [Theory]
    [InlineData("")]
    [InlineData("GID_dev@@@dev-1")]
    public void A_proxy_group_that_is_no_group_ID_is_refused(string group)
    {
        var settings = new UplinkSettings("cloud") { ClientId = "gw" };
        settings.AddAddress(UplinkAddress.Parse("mqtt://upstream:1883"));
        settings.ProxyGroups.Add(group);

        Assert.Contains("is not a group ID", UplinkConfigCheck.Check(new ArrayList { settings }));
    }

    [Fact]
    public void Signature_credentials_sign_the_proxied_client_ID()
    {
        var settings = new UplinkSettings("cloud")
        {
            ClientId = "gw", AuthMode = UplinkAuthMode.Signature, AccessKeyId = "AK", AccessKeySecret = "secret", InstanceId = "I",
        };

        var credentials = UplinkCredentials.For(settings, "GID_dev@@@a");

        Assert.Equal("Signature|AK|I", credentials.UserName);
        Assert.Equal(Convert.ToBase64String(System.Security.Cryptography.HMACSHA1.HashData("secret"u8, "GID_dev@@@a"u8)), credentials.Password);
        Assert.NotEqual(credentials.Password, UplinkCredentials.For(settings).Password);
    }
}
