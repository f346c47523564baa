using System.Text;
using EdgeBroker.Core.Security;

namespace EdgeBroker.Core.Tests.Support;

/// <summary>
/// A <see cref="BrokerSecurity"/> over memory stores with one access key (<see cref="KeyId"/>), plus one-line
/// helpers for CONNECTs in each mode. Time is whatever the test passes (<see cref="Now"/> by default), on both clocks
/// alike unless a test gives the interval clock its own reading (<paramref name="monotonicMs"/>): only differences of
/// interval-clock readings mean anything, so the wall clock's reading serves as one.
/// </summary>
internal sealed class SecurityFixture
{
    public const string KeyId = "LTAI5tKey";
    public const string KeySecret = "KeySecret-0123456789";
    public const string InstanceId = "mqtt-edge-1";
    public const string Address = "192.0.2.10";
    /// <summary>The real time at start-up: the access policy checks token expiry against the wall clock.</summary>
    public static readonly long Now = Clock.NowMs();

    public SecurityFixture(Action<SecurityOptions>? configure = null)
    {
        Options = new SecurityOptions { InstanceId = InstanceId };
        Options.AddAccessKey(new AccessKey(KeyId, KeySecret, null));
        configure?.Invoke(Options);
        Security = new BrokerSecurity(Options, Devices, Tokens, new SystemRandomSource());
    }

    public SecurityOptions Options { get; }

    public MemoryDeviceStore Devices { get; } = new();

    public MemoryTokenStore Tokens { get; } = new();

    public BrokerSecurity Security { get; }

    /// <summary>A CONNECT as an engine handles it: authenticated and, when accepted, its connection registered
    /// (<see cref="BrokerSecurity.ConnectionRegistered"/>).</summary>
    public AuthDecision Connect(string clientId, string? userName, string? password, long? now = null, string address = Address,
        long? monotonicMs = null)
    {
        AuthDecision decision = Authenticate(clientId, userName, password, now, address, monotonicMs);
        if (decision.IsAccepted)
        {
            Assert.True(Security.ConnectionRegistered(decision.Client));
        }

        return decision;
    }

    /// <summary>Only the CONNECT's check: the connection is not registered yet.</summary>
    public AuthDecision Authenticate(string clientId, string? userName, string? password, long? now = null, string address = Address,
        long? monotonicMs = null) =>
        Security.Authenticate(clientId, userName!, password == null ? null! : Encoding.UTF8.GetBytes(password), address, now ?? Now,
            monotonicMs ?? now ?? Now);

    public AuthDecision ConnectWithSignature(string clientId, string keyId = KeyId, string secret = KeySecret, long? now = null, string address = Address) =>
        Connect(clientId, "Signature|" + keyId + "|" + InstanceId, ApsaraSignature.PasswordFor(secret, clientId), now, address);

    /// <summary>Only the check of a CONNECT signed with the fixture's key (<see cref="Authenticate"/>).</summary>
    public AuthDecision AuthenticateWithSignature(string clientId) =>
        Authenticate(clientId, "Signature|" + KeyId + "|" + InstanceId, ApsaraSignature.PasswordFor(KeySecret, clientId));

    public AuthDecision ConnectWithTokens(string clientId, string password, long? now = null) =>
        Connect(clientId, "Token|" + KeyId + "|" + InstanceId, password, now);

    /// <param name="expiresAt">Unix ms; null for an hour from <see cref="Now"/>.</param>
    public string IssueToken(bool read, bool write, long? expiresAt = null, params string[] parents)
    {
        TokenIssue issue = Security.IssueToken(KeyId, parents, read, write, expiresAt ?? Now + 3_600_000, Now);
        Assert.True(issue.Succeeded, issue.Error);
        return issue.Token;
    }

    /// <summary>Runs the pairing exchange for <paramref name="clientId"/> and returns the credentials it delivered.</summary>
    public (string UserName, string Password) Pair(string group, string clientId, long? now = null)
    {
        Security.OpenPairing(group, 0, now ?? Now, now ?? Now);
        AuthDecision decision = Connect(clientId, "Pair|" + group, null, now);
        Assert.True(decision.IsAccepted, decision.Reason);
        using var json = System.Text.Json.JsonDocument.Parse(decision.PairingMessage.Payload);
        return (json.RootElement.GetProperty("username").GetString()!, json.RootElement.GetProperty("password").GetString()!);
    }
}
