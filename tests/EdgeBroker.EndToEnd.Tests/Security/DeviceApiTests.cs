using System.Net;
using EdgeBroker.EndToEnd.Tests.Http;

namespace EdgeBroker.EndToEnd.Tests.Security;

/// <summary><c>GET /devices</c>, <c>POST /devices/rename</c> and <c>POST /devices/revoke</c> over real HTTP, for what
/// needs no paired device. Host only.</summary>
public sealed class DeviceApiTests
{
    [Fact]
    public async Task A_broker_without_paired_devices_lists_none()
    {
        await using var api = await ApiBroker.StartAsync();

        var answer = await api.AllGroups.GetAsync(AdminPaths.Devices);

        answer.AssertOk();
        Assert.Empty(answer.Body.GetProperty("devices").EnumerateArray());
    }

    [Fact]
    public async Task Renaming_or_revoking_a_device_never_paired_is_http_404_code_6()
    {
        await using var api = await ApiBroker.StartAsync();

        var rename = await api.AllGroups.PostAsync(AdminPaths.DevicesRename, Rename("GID_sensors@@@nobody", "Nobody"));
        var revoke = await api.AllGroups.PostAsync(AdminPaths.DevicesRevoke, ClientId("GID_sensors@@@nobody"));

        rename.AssertRefused(HttpStatusCode.NotFound, 6);
        revoke.AssertRefused(HttpStatusCode.NotFound, 6);
    }

    [Fact]
    public async Task A_key_limited_to_some_groups_is_http_403_code_3_for_other_groups_before_anything_is_looked_up()
    {
        await using var api = await ApiBroker.StartAsync();

        var answers = new[]
        {
            await api.Sensors.GetAsync(AdminPaths.Devices),
            await api.Sensors.GetAsync(AdminPaths.Devices, new Dictionary<string, string> { ["group"] = "GID_lights" }),
            await api.Sensors.PostAsync(AdminPaths.DevicesRename, Rename("GID_lights@@@lamp", "Lamp")),
            await api.Sensors.PostAsync(AdminPaths.DevicesRevoke, ClientId("GID_lights@@@lamp")),
            await api.Sensors.PostAsync(AdminPaths.DevicesRevoke, ClientId("lamp")),
        };
        var own = await api.Sensors.GetAsync(AdminPaths.Devices, new Dictionary<string, string> { ["group"] = "GID_sensors" });

        Assert.All(answers, answer => answer.AssertRefused(HttpStatusCode.Forbidden, 3));
        own.AssertOk();
    }

    [Theory]
    [InlineData("a name that is much too long to be shown in any list of devices, over 64 characters")]
    [InlineData("line\nbreak")]
    public async Task A_name_too_long_or_with_control_characters_is_http_400_code_1(string name)
    {
        await using var api = await ApiBroker.StartAsync();

        var answer = await api.AllGroups.PostAsync(AdminPaths.DevicesRename, Rename("GID_sensors@@@dev", name));

        answer.AssertRefused(HttpStatusCode.BadRequest, 1);
    }

    public static Dictionary<string, string> ClientId(string clientId) => new() { ["clientId"] = clientId };

    public static Dictionary<string, string> Rename(string clientId, string name) => new() { ["clientId"] = clientId, ["name"] = name };
}
