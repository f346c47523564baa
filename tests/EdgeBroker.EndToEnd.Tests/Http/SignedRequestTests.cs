using System.Net;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using EdgeBroker.Host.Http.Signing;

namespace EdgeBroker.EndToEnd.Tests.Http;

/// <summary>How the HTTP API checks signed requests, with real HTTP requests: codes 1 (bad request), 2 (signature),
/// 4 (timestamp), and JSON answers for everything. Host only.</summary>
public sealed class SignedRequestTests
{
    const string Device = "GID_sensors@@@dev1";

    static readonly Dictionary<string, string> StatusOfDevice = new() { ["resource"] = Device };

    /// <summary>The README's worked example, computed with <c>openssl dgst -sha1 -hmac SECRET -binary | base64</c>.</summary>
    [Fact]
    public void The_readme_worked_example_signs_to_its_documented_signature()
    {
        var parameters = new Dictionary<string, string>
        {
            ["resource"] = "GID_x@@@d",
            ["timestamp"] = "1700000000000",
            ["accessKey"] = "AK",
            ["instanceId"] = "I",
            ["signature"] = "ignored: the signature never signs itself",
        };

        var stringToSign = RequestSignature.StringToSign(parameters);

        Assert.Equal("accessKey=AK&instanceId=I&resource=GID_x@@@d&timestamp=1700000000000", stringToSign);
        Assert.Equal("xORmX3vx2elRx6A3Za9lt6K6tKA=", RequestSignature.Sign("SECRET", stringToSign));
    }

    [Fact]
    public async Task The_readme_worked_example_passes_the_signature_check_and_fails_only_on_its_old_timestamp()
    {
        await using var broker = await Engines.StartAsync(Engines.Host, new Dictionary<string, string?>
        {
            ["EdgeBroker:InstanceId"] = "I",
            ["EdgeBroker:AccessKeys:0:Id"] = "AK",
            ["EdgeBroker:AccessKeys:0:Secret"] = "SECRET",
        });
        using var api = new SignedApiClient(broker.HttpBaseAddress!, "AK", "SECRET", instanceId: "I");

        var answer = await api.SendAsync(OnlineStatusPaths.ClientStatus, new Dictionary<string, string>
        {
            ["accessKey"] = "AK",
            ["instanceId"] = "I",
            ["resource"] = "GID_x@@@d",
            ["timestamp"] = "1700000000000",
            ["signature"] = "xORmX3vx2elRx6A3Za9lt6K6tKA=",
        });

        answer.AssertRefused(HttpStatusCode.Forbidden, 4);
    }

    [Theory]
    [InlineData("accessKey")]
    [InlineData("instanceId")]
    [InlineData("timestamp")]
    [InlineData("signature")]
    [InlineData("resource")]
    public async Task A_missing_parameter_is_http_400_code_1_naming_it(string parameter)
    {
        await using var api = await ApiBroker.StartAsync();
        var request = api.AllGroups.Signed("GET", OnlineStatusPaths.ClientStatus, StatusOfDevice);
        request.Remove(parameter);

        var answer = await api.AllGroups.SendAsync(OnlineStatusPaths.ClientStatus, request);

        answer.AssertRefused(HttpStatusCode.BadRequest, 1);
        Assert.Contains(parameter, answer.Message);
    }

    [Fact]
    public async Task An_empty_parameter_counts_as_missing()
    {
        await using var api = await ApiBroker.StartAsync();

        var answer = await api.AllGroups.GetAsync(OnlineStatusPaths.ClientStatus, new Dictionary<string, string> { ["resource"] = "" });

        answer.AssertRefused(HttpStatusCode.BadRequest, 1);
        Assert.Contains("resource", answer.Message);
    }

    [Theory]
    [InlineData("extra", "1", "Unknown parameter 'extra'")]
    [InlineData("Resource", Device, "Unknown parameter 'Resource'")]
    [InlineData("timestamp", "soon", "timestamp must be Unix time in milliseconds")]
    [InlineData("timestamp", "-1", "timestamp must be Unix time in milliseconds")]
    [InlineData("instanceId", "another-broker", "instanceId does not name this broker instance")]
    public async Task A_malformed_or_unknown_parameter_is_http_400_code_1(string parameter, string value, string message)
    {
        await using var api = await ApiBroker.StartAsync();
        var request = api.AllGroups.Signed("GET", OnlineStatusPaths.ClientStatus, StatusOfDevice);
        request[parameter] = value;

        var answer = await api.AllGroups.SendAsync(OnlineStatusPaths.ClientStatus, request);

        answer.AssertRefused(HttpStatusCode.BadRequest, 1);
        Assert.Contains(message, answer.Message);
    }

    [Fact]
    public async Task A_parameter_given_twice_is_http_400_code_1()
    {
        await using var api = await ApiBroker.StartAsync();
        var request = api.AllGroups.Signed("GET", OnlineStatusPaths.ClientStatus, StatusOfDevice).ToList();
        request.Add(new("resource", "GID_sensors@@@other"));

        var answer = await api.AllGroups.SendAsync(OnlineStatusPaths.ClientStatus, request);

        answer.AssertRefused(HttpStatusCode.BadRequest, 1);
        Assert.Contains("'resource' is given more than once", answer.Message);
    }

    [Fact]
    public async Task A_wrong_signature_and_an_unknown_access_key_get_the_same_http_403_code_2()
    {
        await using var api = await ApiBroker.StartAsync();
        var tampered = api.AllGroups.Signed("GET", OnlineStatusPaths.ClientStatus, StatusOfDevice);
        tampered["resource"] = "GID_sensors@@@someone-else";
        using var wrongSecret = new SignedApiClient(api.Broker.HttpBaseAddress!, ApiBroker.AllGroupsKey, "not-the-secret");
        using var unknownKey = new SignedApiClient(api.Broker.HttpBaseAddress!, "AK_NOBODY", ApiBroker.AllGroupsSecret);

        var answers = new[]
        {
            await api.AllGroups.SendAsync(OnlineStatusPaths.ClientStatus, tampered),
            await wrongSecret.GetAsync(OnlineStatusPaths.ClientStatus, StatusOfDevice),
            await unknownKey.GetAsync(OnlineStatusPaths.ClientStatus, StatusOfDevice),
        };

        Assert.All(answers, answer => answer.AssertRefused(HttpStatusCode.Forbidden, 2));
        Assert.Single(answers.Select(answer => answer.Body.ToString()).Distinct());
    }

    [Fact]
    public async Task A_signature_check_comes_before_the_clock_so_an_unsigned_old_request_learns_only_code_2()
    {
        await using var api = await ApiBroker.StartAsync();
        var request = api.AllGroups.Signed("GET", OnlineStatusPaths.ClientStatus, StatusOfDevice, timestamp: 1);
        request["signature"] = "AAAAAAAAAAAAAAAAAAAAAAAAAAA=";

        var answer = await api.AllGroups.SendAsync(OnlineStatusPaths.ClientStatus, request);

        answer.AssertRefused(HttpStatusCode.Forbidden, 2);
    }

    [Theory]
    [InlineData(-6, HttpStatusCode.Forbidden, 4)]
    [InlineData(6, HttpStatusCode.Forbidden, 4)]
    [InlineData(-4, HttpStatusCode.OK, 0)]
    [InlineData(4, HttpStatusCode.OK, 0)]
    public async Task A_timestamp_more_than_five_minutes_off_either_way_is_http_403_code_4(int minutesOff, HttpStatusCode status, int code)
    {
        await using var api = await ApiBroker.StartAsync();
        var timestamp = DateTimeOffset.UtcNow.AddMinutes(minutesOff).ToUnixTimeMilliseconds();

        var answer = await api.AllGroups.GetAsync(OnlineStatusPaths.ClientStatus, StatusOfDevice, timestamp);

        Assert.Equal((status, code), (answer.Status, answer.Code));
    }

    [Theory]
    [InlineData("GET", "/no/such/endpoint", HttpStatusCode.NotFound)]
    [InlineData("POST", OnlineStatusPaths.ClientStatus, HttpStatusCode.MethodNotAllowed)]
    public async Task Requests_the_api_does_not_have_get_json_answers_too(string method, string path, HttpStatusCode status)
    {
        await using var api = await ApiBroker.StartAsync();

        var answer = await api.AllGroups.SendAsync(new HttpMethod(method), path);

        answer.AssertRefused(status, 1);
    }
}
