using System.Net;
using System.Text;
using EdgeBroker.EndToEnd.Tests.Http;

namespace EdgeBroker.EndToEnd.Tests.Security;

/// <summary>How the administration endpoints take and check signed requests: parameters in the query string or a form
/// body, and nothing done for an unsigned or wrongly signed request. Host only.</summary>
public sealed class AdminRequestTests
{
    public static TheoryData<string, string> Endpoints => new()
    {
        { "POST", AdminPaths.TokenApply },
        { "POST", AdminPaths.TokenRevoke },
        { "POST", AdminPaths.PairingOpen },
        { "POST", AdminPaths.PairingClose },
        { "GET", AdminPaths.Pairing },
        { "GET", AdminPaths.Devices },
        { "POST", AdminPaths.DevicesRename },
        { "POST", AdminPaths.DevicesRevoke },
    };

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task An_unsigned_request_is_http_400_code_1_and_a_wrongly_signed_one_http_403_code_2(string method, string path)
    {
        await using var api = await ApiBroker.StartAsync();
        using var wrongSecret = new SignedApiClient(api.Broker.HttpBaseAddress!, ApiBroker.AllGroupsKey, "not-the-secret");
        var parameters = ParametersOf(path);

        var unsigned = method == "GET"
            ? await api.AllGroups.SendAsync(path, parameters)
            : await api.AllGroups.PostFormAsync(path, parameters);
        var wronglySigned = method == "GET"
            ? await wrongSecret.GetAsync(path, parameters)
            : await wrongSecret.PostAsync(path, parameters);

        unsigned.AssertRefused(HttpStatusCode.BadRequest, 1);
        Assert.Contains("signature", unsigned.Message);
        wronglySigned.AssertRefused(HttpStatusCode.Forbidden, 2);
    }

    [Fact]
    public async Task A_tampered_request_does_nothing()
    {
        await using var api = await ApiBroker.StartAsync();
        var tampered = api.Sensors.Signed("POST", AdminPaths.PairingOpen, PairingApiTests.Group("GID_sensors"));
        tampered["group"] = "GID_lights";

        var answer = await api.Sensors.PostFormAsync(AdminPaths.PairingOpen, tampered);

        answer.AssertRefused(HttpStatusCode.Forbidden, 2);
        Assert.Empty((await api.AllGroups.GetAsync(AdminPaths.Pairing)).Body.GetProperty("windows").EnumerateArray());
    }

    [Fact]
    public async Task Post_parameters_may_be_in_the_query_string_the_form_or_split_between_them()
    {
        await using var api = await ApiBroker.StartAsync();
        var inQuery = api.AllGroups.Signed("POST", AdminPaths.PairingOpen, PairingApiTests.Group("GID_a"));
        var split = api.AllGroups.Signed("POST", AdminPaths.PairingOpen, PairingApiTests.Group("GID_b")).ToList();

        var queryAnswer = await api.AllGroups.SendAsync(HttpMethod.Post, AdminPaths.PairingOpen + "?" + SignedApiClient.Query(inQuery));
        var splitAnswer = await api.AllGroups.SendAsync(new HttpRequestMessage(HttpMethod.Post, AdminPaths.PairingOpen + "?" + SignedApiClient.Query(split[..2]))
        {
            Content = new FormUrlEncodedContent(split[2..]),
        });

        queryAnswer.AssertOk();
        splitAnswer.AssertOk();
        Assert.Equal(2, (await api.AllGroups.GetAsync(AdminPaths.Pairing)).Body.GetProperty("windows").GetArrayLength());
    }

    [Fact]
    public async Task A_parameter_in_both_the_query_string_and_the_form_is_given_twice()
    {
        await using var api = await ApiBroker.StartAsync();
        var signed = api.AllGroups.Signed("POST", AdminPaths.PairingOpen, PairingApiTests.Group("GID_a"));

        var answer = await api.AllGroups.SendAsync(new HttpRequestMessage(HttpMethod.Post, AdminPaths.PairingOpen + "?group=GID_b")
        {
            Content = new FormUrlEncodedContent(signed),
        });

        answer.AssertRefused(HttpStatusCode.BadRequest, 1);
        Assert.Contains("'group' is given more than once", answer.Message);
    }

    [Fact]
    public async Task A_json_body_is_http_400_code_1_saying_where_parameters_go()
    {
        await using var api = await ApiBroker.StartAsync();

        var answer = await api.AllGroups.SendAsync(new HttpRequestMessage(HttpMethod.Post, AdminPaths.PairingOpen)
        {
            Content = new StringContent("""{"group":"GID_a"}""", Encoding.UTF8, "application/json"),
        });

        answer.AssertRefused(HttpStatusCode.BadRequest, 1);
        Assert.Contains("application/x-www-form-urlencoded", answer.Message);
    }

    static Dictionary<string, string> ParametersOf(string path) => path switch
    {
        AdminPaths.TokenApply => new()
        {
            ["resources"] = "app",
            ["actions"] = "R",
            ["expireTime"] = DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeMilliseconds().ToString(),
        },
        AdminPaths.TokenRevoke => TokenApiTests.Token("AAAAAAAAAAAAAAAAAAAAAAAA"),
        AdminPaths.PairingOpen or AdminPaths.PairingClose => PairingApiTests.Group("GID_sensors"),
        AdminPaths.DevicesRename => DeviceApiTests.Rename("GID_sensors@@@dev", "Dev"),
        AdminPaths.DevicesRevoke => DeviceApiTests.ClientId("GID_sensors@@@dev"),
        _ => [],
    };
}
