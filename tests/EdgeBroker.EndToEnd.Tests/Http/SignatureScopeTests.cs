using System.Net;
using EdgeBroker.EndToEnd.Tests.Security;
using EdgeBroker.Host.Http.Signing;

namespace EdgeBroker.EndToEnd.Tests.Http;

/// <summary>A signature authorises the one request it was made for: EdgeBroker's own endpoints sign their method and
/// path with the parameters, and a signature for one of ApsaraMQ's endpoints (which sign their parameters only) is
/// accepted by no other endpoint. Host only, over real HTTP.</summary>
public sealed class SignatureScopeTests
{
    /// <summary>Every signed endpoint, by method and path.</summary>
    static readonly (string Method, string Path)[] SignedEndpoints =
    [
        ("GET", OnlineStatusPaths.ClientStatus),
        ("GET", OnlineStatusPaths.ClientCount),
        ("GET", OnlineStatusPaths.ClientList),
        ("POST", AdminPaths.TokenApply),
        ("POST", AdminPaths.TokenRevoke),
        ("POST", AdminPaths.PairingOpen),
        ("POST", AdminPaths.PairingClose),
        ("GET", AdminPaths.Pairing),
        ("GET", AdminPaths.Devices),
        ("POST", AdminPaths.DevicesRename),
        ("POST", AdminPaths.DevicesRevoke),
        ("GET", "/uplinks"),
        ("GET", "/dashboard/events"),
    ];

    /// <summary>The string to sign of an EdgeBroker endpoint, and its signature computed with
    /// <c>printf 'POST\n/pairing/open\naccessKey=AK&amp;group=GID_x&amp;instanceId=I&amp;timestamp=1700000000000' |
    /// openssl dgst -sha1 -hmac SECRET -binary | base64</c> (docs/presence.md's second worked example).</summary>
    [Fact]
    public void An_edgebroker_endpoint_signs_its_method_and_path_before_the_parameters()
    {
        var parameters = new Dictionary<string, string>
        {
            ["group"] = "GID_x",
            ["timestamp"] = "1700000000000",
            ["accessKey"] = "AK",
            ["instanceId"] = "I",
        };

        var stringToSign = RequestSignature.StringToSign(RequestLine.SignedBy("POST", "/pairing/open"), parameters);

        Assert.Equal("POST\n/pairing/open\naccessKey=AK&group=GID_x&instanceId=I&timestamp=1700000000000", stringToSign);
        Assert.Equal("Y8e0uOGTylmI9FWhOJSC/pU6oWs=", RequestSignature.Sign("SECRET", stringToSign));
    }

    [Theory]
    [InlineData("GET", OnlineStatusPaths.ClientStatus)]
    [InlineData("get", OnlineStatusPaths.ClientStatus)]
    [InlineData("POST", AdminPaths.TokenApply)]
    public void Apsaramq_endpoints_sign_their_parameters_only(string method, string path) =>
        Assert.Null(RequestLine.SignedBy(method, path));

    /// <summary>The security review's F5: a group-limited key's read, captured, sent as POST /pairing/open.</summary>
    [Fact]
    public async Task A_captured_read_sent_to_pairing_open_or_close_is_http_403_code_2_and_opens_nothing()
    {
        await using var api = await ApiBroker.StartAsync();
        var read = api.Sensors.Signed("GET", OnlineStatusPaths.ClientCount, PairingApiTests.Group("GID_sensors"));
        (await api.Sensors.SendAsync(OnlineStatusPaths.ClientCount, read)).AssertOk();

        var answers = new[]
        {
            await api.Sensors.PostFormAsync(AdminPaths.PairingOpen, read),
            await api.Sensors.SendAsync(HttpMethod.Post, AdminPaths.PairingOpen + "?" + SignedApiClient.Query(read)),
            await api.Sensors.PostFormAsync(AdminPaths.PairingClose, read),
            await api.Sensors.SendAsync(AdminPaths.Pairing, read),
        };

        Assert.All(answers, answer => answer.AssertRefused(HttpStatusCode.Forbidden, 2));
        Assert.Empty((await api.AllGroups.GetAsync(AdminPaths.Pairing)).Body.GetProperty("windows").EnumerateArray());
    }

    [Fact]
    public async Task A_change_signed_for_one_endpoint_is_refused_by_another_with_the_same_parameters()
    {
        await using var api = await ApiBroker.StartAsync();
        var close = api.AllGroups.Signed("POST", AdminPaths.PairingClose, PairingApiTests.Group("GID_sensors"));

        var answer = await api.AllGroups.PostFormAsync(AdminPaths.PairingOpen, close);

        answer.AssertRefused(HttpStatusCode.Forbidden, 2);
        Assert.Empty((await api.AllGroups.GetAsync(AdminPaths.Pairing)).Body.GetProperty("windows").EnumerateArray());
    }

    [Fact]
    public async Task A_signature_for_an_apsaramq_endpoint_is_accepted_by_no_other_endpoint()
    {
        await using var api = await ApiBroker.StartAsync();
        var status = api.AllGroups.Signed("GET", OnlineStatusPaths.ClientStatus, new Dictionary<string, string> { ["resource"] = "GID_sensors@@@d" });
        var apply = api.AllGroups.Signed("POST", AdminPaths.TokenApply, new Dictionary<string, string>
        {
            ["resources"] = "app",
            ["actions"] = "R",
            ["expireTime"] = DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeMilliseconds().ToString(),
        });
        (await api.AllGroups.SendAsync(OnlineStatusPaths.ClientStatus, status)).AssertOk();

        foreach (var (request, own) in new[] { (status, OnlineStatusPaths.ClientStatus), (apply, AdminPaths.TokenApply) })
        {
            foreach (var (method, path) in SignedEndpoints.Where(endpoint => endpoint.Path != own))
            {
                var answer = method == "GET"
                    ? await api.AllGroups.SendAsync(path, request)
                    : await api.AllGroups.PostFormAsync(path, request);

                Assert.False(answer.Status == HttpStatusCode.OK, $"{method} {path} accepted the signature made for {own}: {answer}");
                Assert.NotEqual(0, answer.Code);
            }
        }

        (await api.AllGroups.PostFormAsync(AdminPaths.TokenApply, apply)).AssertOk();
    }
}
