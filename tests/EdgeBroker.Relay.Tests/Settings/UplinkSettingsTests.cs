using EdgeBroker.Core.Uplink;
using EdgeBroker.Firmware.Relay.Settings;

namespace EdgeBroker.Relay.Tests.Settings;

/// <summary>The uplink keys of edgebroker.conf and the core settings they make.</summary>
public class UplinkSettingsTests
{
    static RelayUplinkSettings? From(string text, out SettingsFile file)
    {
        file = SettingsFile.Parse(text);
        return RelayUplinkSettings.From(file, new RelaySettings());
    }

    [Fact]
    public void Without_an_uplink_key_there_is_no_uplink()
    {
        Assert.Null(From("uplink_forward = site/#\n", out var file));
        Assert.Empty(file.Problems);
    }

    [Fact]
    public void Retained_P2P_routes_are_off_by_default_and_their_bound_defaults_to_max_clients()
    {
        var plain = From("uplink = mqtt://cloud:1883\nuplink_client_id = gw-7\nuplink_p2p = true\n", out _)!.Uplink;
        var retained = From("uplink = mqtt://cloud:1883\nuplink_client_id = gw-7\nuplink_p2p = true\nuplink_p2p_routes = retained\n"
            + "uplink_p2p_routes_topic = plant/eb/routes\nuplink_p2p_routes_grace_seconds = 60\n", out var file)!.Uplink;

        Assert.Empty(file.Problems);
        Assert.Equal(UplinkP2PRoutes.Announced, plain.P2PRoutes);
        Assert.Equal((UplinkP2PRoutes.Retained, "plant/eb/routes", 60, new RelaySettings().MaxClients),
            (retained.P2PRoutes, retained.P2PRoutesTopic, retained.P2PRoutesGraceSeconds, retained.P2PMaxRoutes));
        Assert.Null(From("uplink = mqtt://cloud:1883\nuplink_client_id = gw-7\nuplink_forward = a/#\nuplink_p2p_routes = retained\n", out file));
        Assert.Contains("need P2P federation on", (string)Assert.Single(file.Problems)!);
    }

    [Fact]
    public void The_minimal_keys_make_an_uplink_with_the_device_defaults()
    {
        var uplink = From("uplink = mqtt://cloud.example:1883\nuplink_forward = site/#, alarms/+\nuplink_subscribe = cmd/#\n"
            + "uplink_client_id = gw-7\n", out var file)!.Uplink;

        Assert.Empty(file.Problems);
        Assert.Equal(RelayUplinkSettings.DefaultName, uplink.Name);
        Assert.Equal("mqtt://cloud.example:1883", Assert.IsType<UplinkAddress>(Assert.Single(uplink.Addresses)).Text);
        Assert.Equal("gw-7", uplink.ClientId);
        Assert.Equal(["site/#", "alarms/+"], uplink.ForwardRules.Cast<UplinkRule>().Select(rule => rule.RemoteFilter));
        Assert.Equal(["cmd/#"], uplink.SubscribeRules.Cast<UplinkRule>().Select(rule => rule.LocalFilter));
        Assert.All(uplink.ForwardRules.Cast<UplinkRule>().Concat(uplink.SubscribeRules.Cast<UplinkRule>()), rule => Assert.Equal(1, rule.Qos));
        Assert.Equal(UplinkAuthMode.None, uplink.AuthMode);
        Assert.Equal(UplinkSettings.DefaultInFlightWindow, uplink.InFlightWindow);
        Assert.Equal(RelayUplinkSettings.DefaultMaxQueuedMessages, uplink.MaxQueuedMessages);
        Assert.Equal(new RelaySettings().FlashStoreBytes / 2, uplink.MaxQueuedBytes);
        Assert.Equal(UplinkFullPolicy.DropOldest, uplink.FullPolicy);
    }

    /// <summary>Every uplink key but <c>uplink</c> itself, set.</summary>
    static readonly string OtherKeys = string.Join('\n',
        "uplink_name = aliyun",
        "uplink_client_id = GID_gw@@@gw-7",
        "uplink_forward = site/#",
        "uplink_forward_qos = 0",
        "uplink_forward_local_prefix = site/",
        "uplink_forward_remote_prefix = gw-7/site/",
        "uplink_subscribe = gw-7/cmd/#",
        "uplink_subscribe_remote_prefix = gw-7/cmd/",
        "uplink_subscribe_local_prefix = cmd/",
        "uplink_auth = signature",
        "uplink_access_key_id = AK",
        "uplink_access_key_secret = SK",
        "uplink_instance_id = mqtt-cn-1",
        "uplink_ca_file = ca.pem",
        "uplink_keep_alive_seconds = 30",
        "uplink_inflight = 4",
        "uplink_max_queued_messages = 50",
        "uplink_max_queued_bytes = 4096",
        "uplink_full_policy = refuse-new",
        "uplink_backoff_min_ms = 100",
        "uplink_backoff_max_ms = 2000");

    [Fact]
    public void Every_key_is_read()
    {
        var settings = From("uplink = mqtts://a.example, mqtt://b.example:1884\n" + OtherKeys, out var file)!;
        var uplink = settings.Uplink;

        file.CheckUnknownKeys();
        Assert.Empty(file.Problems);
        Assert.Equal("aliyun", uplink.Name);
        Assert.Equal(["mqtts://a.example:8883", "mqtt://b.example:1884"], uplink.Addresses.Cast<UplinkAddress>().Select(a => a.Text));
        var forward = Assert.IsType<UplinkRule>(Assert.Single(uplink.ForwardRules));
        Assert.Equal(("gw-7/site/#", 0, "gw-7/site/x"), (forward.RemoteFilter, forward.Qos, forward.MapUp("site/x")));
        var subscribe = Assert.IsType<UplinkRule>(Assert.Single(uplink.SubscribeRules));
        Assert.Equal("cmd/led", subscribe.MapDown("gw-7/cmd/led"));
        Assert.Equal((UplinkAuthMode.Signature, "AK", "SK", "mqtt-cn-1"), (uplink.AuthMode, uplink.AccessKeyId, uplink.AccessKeySecret, uplink.InstanceId));
        Assert.Equal("Signature|AK|mqtt-cn-1", UplinkCredentials.For(uplink).UserName);
        Assert.Equal("ca.pem", settings.CaFile);
        Assert.Equal((30, 4, 50, 4096L, UplinkFullPolicy.RefuseNew, 100, 2000),
            (uplink.KeepAliveSeconds, uplink.InFlightWindow, uplink.MaxQueuedMessages, uplink.MaxQueuedBytes, uplink.FullPolicy,
                uplink.BackoffMinMs, uplink.BackoffMaxMs));
    }

    [Fact]
    public void Without_an_uplink_key_the_other_uplink_keys_are_ignored_not_unknown_but_a_misspelt_one_is_reported()
    {
        Assert.Null(From("# uplink = mqtt://cloud.example:1883\n" + OtherKeys + "\nuplink_fowrard = site/#\n", out var file));

        file.CheckUnknownKeys();

        Assert.Equal(["line 23: unknown key 'uplink_fowrard' (did you mean uplink_forward?)"], file.Problems.Cast<string>());
    }

    [Theory]
    [InlineData("uplink = http://cloud\nuplink_client_id = gw\nuplink_forward = a/#\n", "uplink: 'http://cloud' is not an upstream address")]
    [InlineData("uplink = mqtt://gw:Secret123@cloud:1883\nuplink_client_id = gw\nuplink_forward = a/#\n", "uplink: an upstream address has a user name or password in it")]
    [InlineData("uplink = mqtt://cloud\nuplink_client_id = gw\nuplink_forward = a/#\nuplink_auth = oauth\n", "uplink_auth = oauth is not one of none,password,signature,token,device")]
    [InlineData("uplink = mqtt://cloud\nuplink_client_id = gw\nuplink_forward = a/#\nuplink_full_policy = block\n", "uplink_full_policy = block is not one of drop-oldest,refuse-new")]
    [InlineData("uplink = mqtt://cloud\nuplink_client_id = gw\nuplink_forward = a/#\nuplink_forward_qos = 2\n", "uplink_forward_qos = 2 is not a whole number from 0 to 1")]
    [InlineData("uplink = mqtt://cloud\nuplink_forward = a/#\n", "has no client ID")]
    [InlineData("uplink = mqtt://cloud\nuplink_client_id = gw\n", "has no forward or subscribe rule")]
    [InlineData("uplink = mqtt://cloud\nuplink_client_id = gw\nuplink_forward = other/#\nuplink_forward_local_prefix = site/\nuplink_forward_remote_prefix = gw/\n", "forward other/#")]
    public void A_bad_uplink_setting_is_a_named_problem_and_no_uplink(string text, string problem)
    {
        Assert.Null(From(text, out var file));
        Assert.Contains(file.Problems.Cast<string>(), p => p.Contains(problem));
        Assert.DoesNotContain(file.Problems.Cast<string>(), p => p.Contains("Secret123"));
    }
}
