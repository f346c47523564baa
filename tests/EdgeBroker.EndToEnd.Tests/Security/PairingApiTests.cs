using System.Net;
using EdgeBroker.EndToEnd.Tests.Http;

namespace EdgeBroker.EndToEnd.Tests.Security;

/// <summary><c>POST /pairing/open</c>, <c>POST /pairing/close</c> and <c>GET /pairing</c> over real HTTP. Host only.</summary>
public sealed class PairingApiTests
{
    [Fact]
    public async Task Open_returns_the_windows_expiry_default_120_seconds_and_the_list_shows_it()
    {
        await using var api = await ApiBroker.StartAsync();
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        var opened = await api.AllGroups.PostAsync(AdminPaths.PairingOpen, Group("GID_sensors"));
        var listed = await api.AllGroups.GetAsync(AdminPaths.Pairing);

        opened.AssertOk();
        Assert.Equal(120, opened.Int("seconds"));
        var expiresAt = opened.Body.GetProperty("expiresAt").GetInt64();
        Assert.InRange(expiresAt, before + 120_000, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 120_000);
        listed.AssertOk();
        var window = Assert.Single(listed.Body.GetProperty("windows").EnumerateArray());
        Assert.Equal("GID_sensors", window.GetProperty("group").GetString());
        Assert.Equal(expiresAt, window.GetProperty("expiresAt").GetInt64());
    }

    [Fact]
    public async Task Seconds_sets_the_length_and_out_of_range_values_are_http_400_code_1()
    {
        await using var api = await ApiBroker.StartAsync();

        var opened = await api.AllGroups.PostAsync(AdminPaths.PairingOpen, Group("GID_sensors", seconds: "30"));
        var answers = new[]
        {
            await api.AllGroups.PostAsync(AdminPaths.PairingOpen, Group("GID_sensors", seconds: "0")),
            await api.AllGroups.PostAsync(AdminPaths.PairingOpen, Group("GID_sensors", seconds: "3601")),
            await api.AllGroups.PostAsync(AdminPaths.PairingOpen, Group("GID_sensors", seconds: "-5")),
        };

        opened.AssertOk();
        Assert.Equal(30, opened.Int("seconds"));
        Assert.All(answers, answer => answer.AssertRefused(HttpStatusCode.BadRequest, 1));
    }

    [Theory]
    [InlineData("GID/sensors")]
    [InlineData("GID_+")]
    [InlineData("$SYS")]
    public async Task A_group_that_cannot_be_a_parent_topic_is_http_400_code_1(string group)
    {
        await using var api = await ApiBroker.StartAsync();

        var answer = await api.AllGroups.PostAsync(AdminPaths.PairingOpen, Group(group));

        answer.AssertRefused(HttpStatusCode.BadRequest, 1);
    }

    [Fact]
    public async Task Close_ends_the_window_and_closing_again_is_http_404_code_6()
    {
        await using var api = await ApiBroker.StartAsync();
        (await api.AllGroups.PostAsync(AdminPaths.PairingOpen, Group("GID_sensors"))).AssertOk();

        var closed = await api.AllGroups.PostAsync(AdminPaths.PairingClose, Group("GID_sensors"));
        var again = await api.AllGroups.PostAsync(AdminPaths.PairingClose, Group("GID_sensors"));
        var listed = await api.AllGroups.GetAsync(AdminPaths.Pairing);

        closed.AssertOk();
        again.AssertRefused(HttpStatusCode.NotFound, 6);
        Assert.Empty(listed.Body.GetProperty("windows").EnumerateArray());
    }

    [Fact]
    public async Task A_key_limited_to_some_groups_administers_only_its_groups_windows()
    {
        await using var api = await ApiBroker.StartAsync();
        (await api.AllGroups.PostAsync(AdminPaths.PairingOpen, Group("GID_lights"))).AssertOk();

        var openOther = await api.Sensors.PostAsync(AdminPaths.PairingOpen, Group("GID_lights"));
        var closeOther = await api.Sensors.PostAsync(AdminPaths.PairingClose, Group("GID_lights"));
        var listAll = await api.Sensors.GetAsync(AdminPaths.Pairing);
        var listOther = await api.Sensors.GetAsync(AdminPaths.Pairing, Group("GID_lights"));
        var openOwn = await api.Sensors.PostAsync(AdminPaths.PairingOpen, Group("GID_sensors"));
        var listOwn = await api.Sensors.GetAsync(AdminPaths.Pairing, Group("GID_sensors"));

        openOther.AssertRefused(HttpStatusCode.Forbidden, 3);
        closeOther.AssertRefused(HttpStatusCode.Forbidden, 3);
        listAll.AssertRefused(HttpStatusCode.Forbidden, 3);
        listOther.AssertRefused(HttpStatusCode.Forbidden, 3);
        openOwn.AssertOk();
        Assert.Equal(["GID_sensors"], listOwn.Body.GetProperty("windows").EnumerateArray().Select(w => w.GetProperty("group").GetString()));
        Assert.Equal(2, (await api.AllGroups.GetAsync(AdminPaths.Pairing)).Body.GetProperty("windows").GetArrayLength());
    }

    public static Dictionary<string, string> Group(string group, string? seconds = null)
    {
        var parameters = new Dictionary<string, string> { ["group"] = group };
        if (seconds is not null)
        {
            parameters["seconds"] = seconds;
        }

        return parameters;
    }
}
