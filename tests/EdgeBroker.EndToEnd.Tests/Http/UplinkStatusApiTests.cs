using System.Net;
using System.Text.Json;

namespace EdgeBroker.EndToEnd.Tests.Http;

/// <summary><c>GET /uplinks</c> takes no group (uplinks carry every group's messages), so a key limited to some groups is
/// told it needs one that sees every group, not to name a group. Host only.</summary>
public sealed class UplinkStatusApiTests
{
    [Fact]
    public async Task A_key_limited_to_some_groups_is_told_it_needs_one_that_sees_every_group()
    {
        await using var api = await ApiBroker.StartAsync();

        var limited = await api.Sensors.GetAsync("/uplinks");
        var all = await api.AllGroups.GetAsync("/uplinks");

        limited.AssertRefused(HttpStatusCode.Forbidden, 3);
        Assert.Contains("needs a key that sees every group", limited.Message);
        Assert.DoesNotContain("group=", limited.Message);
        Assert.Equal((HttpStatusCode.OK, JsonValueKind.Array), (all.Status, all.Body.ValueKind));
    }
}
