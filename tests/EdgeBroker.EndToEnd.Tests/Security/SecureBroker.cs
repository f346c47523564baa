using System.Security.Cryptography;
using System.Text;
using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;

namespace EdgeBroker.EndToEnd.Tests.Security;

/// <summary>
/// The gateway the security tests run against, configured as a user would in a <c>--config</c> file: two access keys
/// (one for every group, one for GID_sensors only), GID_app as the application group, one $SYS subscriber, and a rule
/// that lets GID_sensors devices publish under <c>sensors/</c> and subscribe under <c>config/</c>. Plus connects with
/// Signature-mode credentials computed here, independently of the broker's code.
/// </summary>
public static class SecureBroker
{
    public const string InstanceId = "edge-1";
    public const string AppKey = "AK_APP";
    public const string AppSecret = "app-secret-0123";
    public const string SensorsKey = "AK_SENSORS";
    public const string SensorsSecret = "sensors-secret-4567";

    /// <summary>Signs with <see cref="AppKey"/>; in the application group, so it reaches every group by P2P.</summary>
    public const string Backend = "GID_app@@@backend";

    /// <summary>Signs with <see cref="AppKey"/>; the configured $SYS subscriber.</summary>
    public const string PresenceMonitor = "GID_app@@@monitor";

    /// <summary>Signs with <see cref="SensorsKey"/>; bound by the GID_sensors rule.</summary>
    public const string Device = "GID_sensors@@@dev1";

    /// <summary>How long <see cref="ShortThrottle"/> slows an answer.</summary>
    public const int ShortThrottleDelayMilliseconds = 800;

    /// <summary>A login throttle a test gets through quickly: answers slowed from the third failure on, the address
    /// locked out at the fourth, for 60 s.</summary>
    public static Dictionary<string, string?> ShortThrottle => new()
    {
        ["EdgeBroker:Security:LoginThrottle:FailuresBeforeDelay"] = "2",
        ["EdgeBroker:Security:LoginThrottle:DelayMilliseconds"] = ShortThrottleDelayMilliseconds.ToString(),
        ["EdgeBroker:Security:LoginThrottle:FailuresBeforeLockout"] = "4",
        ["EdgeBroker:Security:LoginThrottle:LockoutSeconds"] = "60",
    };

    public const string Config =
        """
        {
          "EdgeBroker": {
            "InstanceId": "edge-1",
            "AccessKeys": [
              { "Id": "AK_APP", "Secret": "app-secret-0123" },
              { "Id": "AK_SENSORS", "Secret": "sensors-secret-4567", "Groups": [ "GID_sensors" ] }
            ],
            "Security": {
              "ApplicationGroups": [ "GID_app" ],
              "SysSubscribers": [ "GID_app@@@monitor" ],
              "GroupRules": {
                "GID_sensors": { "Publish": [ "sensors/#" ], "Subscribe": [ "config/#" ] }
              }
            }
          }
        }
        """;

    /// <summary>Every security engine with each protocol it speaks.</summary>
    public static TheoryData<string, MqttProtocolVersion> EnginesAndProtocols
    {
        get
        {
            var cases = new TheoryData<string, MqttProtocolVersion>();
            foreach (var engine in Engines.WithSecurity)
            {
                cases.Add(engine, MqttProtocolVersion.V311);
                if (Engines.WithMqtt5.Contains(engine))
                {
                    cases.Add(engine, MqttProtocolVersion.V500);
                }
            }

            return cases;
        }
    }

    /// <summary>Starts <paramref name="engine"/> with <see cref="Config"/>; <paramref name="settings"/> override it
    /// (e.g. <c>EdgeBroker:Security:AllowAnonymous</c>).</summary>
    public static Task<RunningBroker> StartAsync(string engine, IDictionary<string, string?>? settings = null) =>
        Engines.StartWithConfigAsync(engine, Config, settings);

    public static string SignatureUserName(string accessKeyId, string instanceId = InstanceId) => $"Signature|{accessKeyId}|{instanceId}";

    /// <summary>Base64(HMAC-SHA1(key: secret, data: client ID)), as ApsaraMQ for MQTT clients compute it.</summary>
    public static string SignaturePassword(string secret, string clientId) =>
        Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(clientId)));

    /// <summary>Connects in Signature mode: <see cref="AppKey"/> for GID_app clients, <see cref="SensorsKey"/> otherwise.</summary>
    public static Task<TestClient> ConnectAsync(RunningBroker broker, string clientId, MqttProtocolVersion protocol = MqttProtocolVersion.V311,
        bool cleanStart = true, uint sessionExpiry = 0)
    {
        var (key, secret) = KeyFor(clientId);
        return TestClient.ConnectAsync(broker, clientId, protocol, cleanStart, sessionExpiry,
            options => options.WithCredentials(SignatureUserName(key), SignaturePassword(secret, clientId)));
    }

    /// <summary>Connects with the given user name and password (none when null), expecting a refusal; returns the
    /// CONNACK code as MQTTnet reports it (for 3.1.1, the return code mapped to its MQTT 5 equivalent).</summary>
    public static async Task<MqttClientConnectResultCode> RefusedAsync(RunningBroker broker, string clientId, MqttProtocolVersion protocol,
        string? userName, string? password, bool cleanStart = true)
    {
        await using var client = await TestClient.ConnectAsync(broker, clientId, protocol, cleanStart, configure: options =>
        {
            if (userName is not null)
            {
                options.WithCredentials(userName, password);
            }
        });
        var code = client.ConnectResult.ResultCode;
        Assert.True(code != MqttClientConnectResultCode.Success, $"the CONNECT of {clientId} as '{userName}' was accepted");
        return code;
    }

    static (string Key, string Secret) KeyFor(string clientId) =>
        clientId.StartsWith("GID_sensors@@@", StringComparison.Ordinal) ? (SensorsKey, SensorsSecret) : (AppKey, AppSecret);
}
