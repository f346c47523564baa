using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EdgeBroker.Core;
using EdgeBroker.Core.Security;
using EdgeBroker.Host.Storage;
using EdgeBroker.Storage.Tests.Support;

namespace EdgeBroker.Storage.Tests.Security;

/// <summary>The core's security on the host's SQLite stores: a paired device and an issued token still authenticate
/// after a restart, a revoked token does not, and the file holds neither the device's secret nor the token.</summary>
public sealed class SqliteSecurityRestartTests : IDisposable
{
    const string KeyId = "AK";
    const string Device = "GID_sensors@@@boiler";

    readonly TempDirectory _directory = new();
    readonly long _now = Clock.NowMs();

    [Fact]
    public void A_paired_device_authenticates_after_a_restart_and_the_file_never_holds_its_secret()
    {
        string password;
        using (var database = SqliteDatabase.Open(_directory.Path))
        {
            var security = Security(database);
            security.OpenPairing("GID_sensors", 0, _now, Clock.MonotonicMs());
            var pairing = security.Authenticate(Device, "Pair|GID_sensors", null!, "192.0.2.1", _now, Clock.MonotonicMs());
            Assert.True(pairing.IsAccepted, pairing.Reason);
            using var credentials = JsonDocument.Parse(pairing.PairingMessage.Payload);
            password = credentials.RootElement.GetProperty("password").GetString()!;
        }

        using (var database = SqliteDatabase.Open(_directory.Path))
        {
            var decision = Security(database).Authenticate(Device, "Device|" + Device, Encoding.UTF8.GetBytes(password), "192.0.2.1", _now, Clock.MonotonicMs());
            Assert.True(decision.IsAccepted, decision.Reason);
        }

        Assert.False(FileContains(password), "the device's secret is in the database file");
    }

    [Fact]
    public void An_issued_token_authenticates_after_a_restart_a_revoked_one_does_not_and_neither_is_in_the_file()
    {
        string kept;
        string revoked;
        using (var database = SqliteDatabase.Open(_directory.Path))
        {
            var security = Security(database);
            kept = security.IssueToken(KeyId, ["app"], canRead: true, canWrite: true, _now + 3_600_000, _now).Token;
            revoked = security.IssueToken(KeyId, ["app"], canRead: true, canWrite: true, _now + 3_600_000, _now).Token;
            Assert.True(security.RevokeToken(revoked));
        }

        using (var database = SqliteDatabase.Open(_directory.Path))
        {
            var security = Security(database);
            Assert.True(ConnectWithToken(security, kept).IsAccepted);
            Assert.Equal(AuthOutcome.BadCredentials, ConnectWithToken(security, revoked).Outcome);
        }

        Assert.False(FileContains(kept), "an issued token is in the database file");
    }

    public void Dispose() => _directory.Dispose();

    AuthDecision ConnectWithToken(BrokerSecurity security, string token) =>
        security.Authenticate("GID_app@@@backend", $"Token|{KeyId}|edge", Encoding.UTF8.GetBytes("RW|" + token), "192.0.2.1", _now, Clock.MonotonicMs());

    static BrokerSecurity Security(SqliteDatabase database)
    {
        var options = new SecurityOptions { InstanceId = "edge" };
        options.AddAccessKey(new AccessKey(KeyId, "secret", null));
        return new BrokerSecurity(options, new SqliteDeviceStore(database), new SqliteTokenStore(database), new OsRandom());
    }

    /// <summary>Whether the database or its write-ahead log holds <paramref name="secret"/>'s bytes anywhere.</summary>
    bool FileContains(string secret)
    {
        var needle = Encoding.UTF8.GetBytes(secret);
        return System.IO.Directory.GetFiles(_directory.Path, SqliteDatabase.FileName + "*")
            .Any(file => File.ReadAllBytes(file).AsSpan().IndexOf(needle) >= 0);
    }

    sealed class OsRandom : IRandomSource
    {
        public void Fill(byte[] buffer) => RandomNumberGenerator.Fill(buffer);
    }
}
