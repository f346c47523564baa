using System.Net;
using EdgeBroker.EndToEnd.Tests.Http;
using EdgeBroker.Host.Http.Signing;
using MQTTnet;

namespace EdgeBroker.EndToEnd.Tests.Security;

/// <summary><c>POST /token/apply</c> and <c>POST /token/revoke</c> over real HTTP: what is issued, what is refused.
/// Host only.</summary>
public sealed class TokenApiTests
{
    [Fact]
    public async Task Apply_returns_the_token_once_with_its_resources_actions_and_expiry()
    {
        await using var api = await ApiBroker.StartAsync();
        var expireTime = DateTimeOffset.UtcNow.AddMinutes(10).ToUnixTimeMilliseconds();

        var answer = await api.AllGroups.PostAsync(AdminPaths.TokenApply, Apply("GID_sensors,app", "R,W", expireTime));

        answer.AssertOk();
        Assert.Matches("^[A-Za-z0-9+/]{24}$", answer.Body.GetProperty("tokenData").GetString());
        Assert.Equal(["GID_sensors", "app"], answer.Body.GetProperty("resources").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal("R,W", answer.Body.GetProperty("actions").GetString());
        Assert.Equal(expireTime, answer.Body.GetProperty("expireTime").GetInt64());
        Assert.Contains($"Token|{ApiBroker.AllGroupsKey}|edgebroker", answer.Message);
    }

    [Fact]
    public async Task Each_apply_issues_a_new_token()
    {
        await using var api = await ApiBroker.StartAsync();
        var request = Apply("app", "W", DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeMilliseconds());

        var first = await api.AllGroups.PostAsync(AdminPaths.TokenApply, request);
        var second = await api.AllGroups.PostAsync(AdminPaths.TokenApply, request);

        Assert.NotEqual(first.Body.GetProperty("tokenData").GetString(), second.Body.GetProperty("tokenData").GetString());
    }

    [Fact]
    public async Task An_expiry_beyond_thirty_days_is_shortened_to_thirty_days_as_apsaramq_does()
    {
        await using var api = await ApiBroker.StartAsync();
        var before = DateTimeOffset.UtcNow;

        var answer = await api.AllGroups.PostAsync(AdminPaths.TokenApply, Apply("app", "R", before.AddDays(90).ToUnixTimeMilliseconds()));

        answer.AssertOk();
        Assert.InRange(answer.Body.GetProperty("expireTime").GetInt64(),
            before.AddDays(30).ToUnixTimeMilliseconds(), DateTimeOffset.UtcNow.AddDays(30).ToUnixTimeMilliseconds());
    }

    [Theory]
    [InlineData("app", "RW", "actions must be R, W or R,W")]
    [InlineData("app", "R,R", "actions must be R, W or R,W")]
    [InlineData("app", "X", "actions must be R, W or R,W")]
    [InlineData("app/sub", "R", "not a parent topic")]
    [InlineData("app,+", "R", "not a parent topic")]
    [InlineData("app,", "R", "not a parent topic")]
    [InlineData("$SYS", "R", "not a parent topic")]
    public async Task Bad_resources_or_actions_are_http_400_code_1(string resources, string actions, string message)
    {
        await using var api = await ApiBroker.StartAsync();

        var answer = await api.AllGroups.PostAsync(AdminPaths.TokenApply,
            Apply(resources, actions, DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeMilliseconds()));

        answer.AssertRefused(HttpStatusCode.BadRequest, 1);
        Assert.Contains(message, answer.Message);
    }

    [Theory]
    [InlineData("soon", "expireTime must be Unix time in milliseconds")]
    [InlineData("1700000000000", "the expiry time has passed")]
    public async Task A_malformed_or_past_expiry_is_http_400_code_1(string expireTime, string message)
    {
        await using var api = await ApiBroker.StartAsync();

        var answer = await api.AllGroups.PostAsync(AdminPaths.TokenApply,
            new Dictionary<string, string> { ["resources"] = "app", ["actions"] = "R", ["expireTime"] = expireTime });

        answer.AssertRefused(HttpStatusCode.BadRequest, 1);
        Assert.Contains(message, answer.Message);
    }

    [Fact]
    public async Task Revoke_works_once_and_an_unknown_token_is_http_404_code_6()
    {
        await using var api = await ApiBroker.StartAsync();
        var token = await ApplyTokenAsync(api.AllGroups, "app", "R,W", TimeSpan.FromMinutes(1));

        var revoked = await api.AllGroups.PostAsync(AdminPaths.TokenRevoke, Token(token));
        var again = await api.AllGroups.PostAsync(AdminPaths.TokenRevoke, Token(token));
        var unknown = await api.AllGroups.PostAsync(AdminPaths.TokenRevoke, Token("AAAAAAAAAAAAAAAAAAAAAAAA"));

        revoked.AssertOk();
        again.AssertRefused(HttpStatusCode.NotFound, 6);
        unknown.AssertRefused(HttpStatusCode.NotFound, 6);
    }

    [Fact]
    public async Task The_token_endpoints_answer_post_only()
    {
        await using var api = await ApiBroker.StartAsync();

        var answer = await api.AllGroups.GetAsync(AdminPaths.TokenApply, Apply("app", "R", DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeMilliseconds()));

        answer.AssertRefused(HttpStatusCode.MethodNotAllowed, 1);
        Assert.Contains("use POST", answer.Message);
    }

    /// <summary>ApsaraMQ's application-server call as its samples make it: the signature over actions, resources,
    /// expireTime, serviceName and instanceId; proxyType and accessKey added afterwards; no timestamp.</summary>
    [Fact]
    public async Task Apsaramqs_token_server_call_is_taken_unchanged_and_its_token_connects()
    {
        await using var api = await ApiBroker.StartAsync();

        var answer = await api.AllGroups.PostFormAsync(AdminPaths.TokenApply,
            TokenServerCall(ApiBroker.AllGroupsSecret, "GID_sensors/#", DateTimeOffset.UtcNow.AddMinutes(10)));

        answer.AssertOk();
        await using var client = await SecureClients.ConnectAsync(api.Broker, "GID_sensors@@@dev1",
            SecureClients.TokenUserName(ApiBroker.AllGroupsKey), "RW|" + answer.Body.GetProperty("tokenData").GetString());
        await client.SubscribeAsync("GID_sensors/#");
        Assert.Equal(MqttClientPublishReasonCode.Success, (await client.PublishAsync("GID_sensors/a/b", "deep")).ReasonCode);
        Assert.Equal("deep", (await client.ReceiveAsync()).ConvertPayloadToString());
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, (await client.PublishAsync("app/a", "outside")).ReasonCode);
    }

    [Fact]
    public async Task A_token_server_call_with_a_bad_signature_or_fields_is_refused()
    {
        await using var api = await ApiBroker.StartAsync();
        var inTenMinutes = DateTimeOffset.UtcNow.AddMinutes(10);

        var wrongSecret = await api.AllGroups.PostFormAsync(AdminPaths.TokenApply, TokenServerCall("not-the-secret", "GID_sensors", inTenMinutes));
        var accessKeySigned = TokenServerCall(ApiBroker.AllGroupsSecret, "GID_sensors", inTenMinutes, signAccessKey: true);
        var signedWithAccessKey = await api.AllGroups.PostFormAsync(AdminPaths.TokenApply, accessKeySigned);
        var otherService = await api.AllGroups.PostFormAsync(AdminPaths.TokenApply,
            TokenServerCall(ApiBroker.AllGroupsSecret, "GID_sensors", inTenMinutes, serviceName: "ons"));
        var withNonce = TokenServerCall(ApiBroker.AllGroupsSecret, "GID_sensors", inTenMinutes);
        withNonce["nonce"] = "1";
        var nonce = await api.AllGroups.PostFormAsync(AdminPaths.TokenApply, withNonce);

        wrongSecret.AssertRefused(HttpStatusCode.Forbidden, 2);
        signedWithAccessKey.AssertRefused(HttpStatusCode.Forbidden, 2);
        otherService.AssertRefused(HttpStatusCode.BadRequest, 1);
        Assert.Contains("serviceName must be mq", otherService.Message);
        nonce.AssertRefused(HttpStatusCode.BadRequest, 1);
        Assert.Contains("Unknown parameter 'nonce'", nonce.Message);
    }

    /// <summary>Without a timestamp the signed expireTime is all that dates the call: it must lie ahead, and at most the
    /// longest token lifetime (30 days, with the 5 minutes of clock skew signed requests are allowed), so a captured call
    /// is good for 30 days at most.</summary>
    [Fact]
    public async Task A_token_server_call_is_dated_by_its_expiry_which_must_be_ahead_and_within_thirty_days()
    {
        await using var api = await ApiBroker.StartAsync();
        var now = DateTimeOffset.UtcNow;

        var past = await api.AllGroups.PostFormAsync(AdminPaths.TokenApply, TokenServerCall(ApiBroker.AllGroupsSecret, "app", now.AddSeconds(-1)));
        var tooFar = await api.AllGroups.PostFormAsync(AdminPaths.TokenApply, TokenServerCall(ApiBroker.AllGroupsSecret, "app", now.AddDays(31)));
        var longest = await api.AllGroups.PostFormAsync(AdminPaths.TokenApply, TokenServerCall(ApiBroker.AllGroupsSecret, "app", now.AddDays(30)));
        var sameAgain = await api.AllGroups.PostFormAsync(AdminPaths.TokenApply, TokenServerCall(ApiBroker.AllGroupsSecret, "app", now.AddDays(30)));

        past.AssertRefused(HttpStatusCode.BadRequest, 1);
        Assert.Contains("the expiry time has passed", past.Message);
        tooFar.AssertRefused(HttpStatusCode.BadRequest, 1);
        Assert.Contains("at most 30 days ahead", tooFar.Message);
        longest.AssertOk();
        sameAgain.AssertOk();
    }

    [Fact]
    public async Task The_signed_request_form_may_carry_apsaramqs_service_name_and_proxy_type()
    {
        await using var api = await ApiBroker.StartAsync();
        var parameters = Apply("GID_sensors", "R,W", DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeMilliseconds());
        parameters["serviceName"] = "mq";
        parameters["proxyType"] = "MQTT";

        (await api.AllGroups.PostAsync(AdminPaths.TokenApply, parameters)).AssertOk();
        parameters["proxyType"] = "AMQP";
        (await api.AllGroups.PostAsync(AdminPaths.TokenApply, parameters)).AssertRefused(HttpStatusCode.BadRequest, 1);
    }

    /// <summary>The parameters of ApsaraMQ's token-server call, signed as its documentation and samples sign them.</summary>
    static Dictionary<string, string> TokenServerCall(string secret, string resources, DateTimeOffset expireTime,
        string serviceName = "mq", bool signAccessKey = false)
    {
        var call = new Dictionary<string, string>
        {
            ["actions"] = "R,W",
            ["resources"] = resources,
            ["expireTime"] = expireTime.ToUnixTimeMilliseconds().ToString(),
            ["serviceName"] = serviceName,
            ["instanceId"] = SignedApiClient.DefaultInstanceId,
        };
        if (signAccessKey)
        {
            call["accessKey"] = ApiBroker.AllGroupsKey;
        }

        call["signature"] = RequestSignature.Sign(secret, RequestSignature.StringToSign(call));
        call["proxyType"] = "MQTT";
        call["accessKey"] = ApiBroker.AllGroupsKey;
        return call;
    }

    /// <summary>Applies for a token valid for <paramref name="validFor"/> and returns it.</summary>
    public static async Task<string> ApplyTokenAsync(SignedApiClient api, string resources, string actions, TimeSpan validFor) =>
        (await ApplyTokenWithExpiryAsync(api, resources, actions, validFor)).Token;

    /// <summary>Applies for a token valid for <paramref name="validFor"/>; returns it and its expireTime (Unix ms).</summary>
    public static async Task<(string Token, long ExpireTime)> ApplyTokenWithExpiryAsync(SignedApiClient api, string resources, string actions,
        TimeSpan validFor)
    {
        var answer = await api.PostAsync(AdminPaths.TokenApply,
            Apply(resources, actions, DateTimeOffset.UtcNow.Add(validFor).ToUnixTimeMilliseconds()));
        answer.AssertOk();
        return (answer.Body.GetProperty("tokenData").GetString()!, answer.Body.GetProperty("expireTime").GetInt64());
    }

    public static Dictionary<string, string> Token(string token) => new() { ["token"] = token };

    static Dictionary<string, string> Apply(string resources, string actions, long expireTime) =>
        new() { ["resources"] = resources, ["actions"] = actions, ["expireTime"] = expireTime.ToString() };
}
