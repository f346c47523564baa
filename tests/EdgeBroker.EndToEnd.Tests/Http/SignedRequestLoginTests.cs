using System.Diagnostics;
using System.Net;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using static EdgeBroker.EndToEnd.Tests.Http.ApiBroker;

namespace EdgeBroker.EndToEnd.Tests.Http;

/// <summary>A signed request's signature check is a login, as a CONNECT's credentials are: a wrong secret or an unknown
/// access key is logged (thinned as refused CONNECTs are) and counted by the core's login throttle, which slows the
/// address down and then refuses it with 429 and Retry-After — whatever it signs, while other addresses are served —
/// and which counts failures over HTTP and MQTT from one address together. Real HTTP and MQTT clients; host only.</summary>
public sealed class SignedRequestLoginTests
{
    const string Device = "GID_sensors@@@dev1";
    const int DelayMilliseconds = Security.SecureBroker.ShortThrottleDelayMilliseconds;

    /// <summary>Answers slowed from the third failure on, the address locked out at the fourth.</summary>
    static readonly Dictionary<string, string?> ShortThrottle = Security.SecureBroker.ShortThrottle;

    static readonly IPAddress OtherMachine = IPAddress.Parse("127.0.0.2");

    [Fact]
    public async Task A_wrong_secret_is_logged_once_a_minute_with_key_and_address_but_never_the_signature()
    {
        await using var api = await StartAsync();
        using var guesser = new SignedApiClient(api.Broker.HttpBaseAddress!, AllGroupsKey, "a-guess-that-must-stay-secret");
        var first = guesser.Signed("GET", OnlineStatusPaths.ClientCount);

        (await guesser.SendAsync(OnlineStatusPaths.ClientCount, first)).AssertRefused(HttpStatusCode.Forbidden, 2);
        (await guesser.GetAsync(OnlineStatusPaths.ClientCount)).AssertRefused(HttpStatusCode.Forbidden, 2);

        var refusals = api.Broker.LoggedProblems.Where(line => line.Contains("Refused signed request")).ToList();
        var line = Assert.Single(refusals);
        Assert.Contains($"Refused signed request GET {OnlineStatusPaths.ClientCount} from 127.0.0.1: signature of access key {AllGroupsKey} does not match"
            + " (further refusals of this kind from this address within a minute are counted, not logged)", line);
        Assert.DoesNotContain(api.Broker.LoggedProblems, problem => problem.Contains(first["signature"]) || problem.Contains("must-stay-secret"));
    }

    [Fact]
    public async Task An_unknown_access_key_is_logged_as_unknown_and_answered_as_a_wrong_signature()
    {
        await using var api = await StartAsync();
        using var stranger = new SignedApiClient(api.Broker.HttpBaseAddress!, "AK_NOPE", "whatever-secret");

        (await stranger.GetAsync(OnlineStatusPaths.ClientCount)).AssertRefused(HttpStatusCode.Forbidden, 2);

        Assert.Contains(api.Broker.LoggedProblems, line => line.Contains("Refused signed request GET /clients/count from 127.0.0.1: unknown access key AK_NOPE"));
    }

    [Fact]
    public async Task A_burst_of_wrong_secrets_is_slowed_then_refused_with_429_while_another_address_is_served()
    {
        await using var api = await StartAsync(more: ShortThrottle);
        using var guesser = new SignedApiClient(api.Broker.HttpBaseAddress!, AllGroupsKey, "guess");
        (await guesser.GetAsync(OnlineStatusPaths.ClientCount)).AssertRefused(HttpStatusCode.Forbidden, 2);
        (await guesser.GetAsync(OnlineStatusPaths.ClientCount)).AssertRefused(HttpStatusCode.Forbidden, 2);

        var answered = Stopwatch.StartNew();
        var slowed = await guesser.GetAsync(OnlineStatusPaths.ClientCount);
        answered.Stop();
        var locking = await guesser.GetAsync(OnlineStatusPaths.ClientCount);
        var rightButLockedOut = await api.AllGroups.GetAsync(OnlineStatusPaths.ClientCount);
        using var elsewhere = api.ClientFrom(OtherMachine, AllGroupsKey, AllGroupsSecret);
        var fromElsewhere = await elsewhere.GetAsync(OnlineStatusPaths.ClientCount);

        slowed.AssertRefused(HttpStatusCode.Forbidden, 2);
        Assert.True(answered.ElapsedMilliseconds >= DelayMilliseconds / 2,
            $"the third failure was answered after {answered.ElapsedMilliseconds} ms; the configured delay is {DelayMilliseconds} ms");
        locking.AssertRefused(HttpStatusCode.Forbidden, 2);
        rightButLockedOut.AssertRefused(HttpStatusCode.TooManyRequests, 10);
        Assert.InRange(rightButLockedOut.RetryAfter?.TotalSeconds ?? 0, 55, 60);
        fromElsewhere.AssertOk();
        Assert.Contains(api.Broker.LoggedProblems, line => line.Contains("answered after 800 ms (repeated failures from this address)"));
        Assert.Contains(api.Broker.LoggedProblems, line => line.Contains("address locked out for 60 s"));
    }

    [Fact]
    public async Task Failed_logins_over_mqtt_and_http_from_one_address_add_up()
    {
        await using var api = await StartAsync(more: ShortThrottle);
        using var guesser = new SignedApiClient(api.Broker.HttpBaseAddress!, AllGroupsKey, "guess");
        var wrongMqttPassword = MqttPassword("guess");
        Assert.Equal(0x04, await ConnectAsync(api, IPAddress.Loopback, wrongMqttPassword));
        Assert.Equal(0x04, await ConnectAsync(api, IPAddress.Loopback, wrongMqttPassword));
        (await guesser.GetAsync(OnlineStatusPaths.ClientCount)).AssertRefused(HttpStatusCode.Forbidden, 2);
        (await guesser.GetAsync(OnlineStatusPaths.ClientCount)).AssertRefused(HttpStatusCode.Forbidden, 2);

        // Four failures, two of each: the address is locked out on both paths, even with the right credentials.
        (await api.AllGroups.GetAsync(OnlineStatusPaths.ClientCount)).AssertRefused(HttpStatusCode.TooManyRequests, 10);
        Assert.Equal(0x05, await ConnectAsync(api, IPAddress.Loopback, MqttPassword(SensorsSecret)));
        Assert.Equal(0x00, await ConnectAsync(api, OtherMachine, MqttPassword(SensorsSecret)));
    }

    static string MqttPassword(string secret) => Security.SecureBroker.SignaturePassword(secret, Device);

    /// <summary>A Signature-mode CONNECT of <see cref="Device"/> with key AK_SENSORS from <paramref name="from"/>; its
    /// CONNACK return code.</summary>
    static async Task<int> ConnectAsync(ApiBroker api, IPAddress from, string password)
    {
        await using var connection = await RawMqttConnection.OpenAsync(api.Broker, from);
        return await connection.ConnectAsync(Device, userName: Security.SecureBroker.SignatureUserName(SensorsKey, SignedApiClient.DefaultInstanceId),
            password: password);
    }
}
