using EdgeBroker.Core.Offline;
using EdgeBroker.Host.Storage;
using EdgeBroker.Storage.Tests.Support;

namespace EdgeBroker.Storage.Tests.Sqlite;

/// <summary><see cref="SqliteOfflineStore.IsFull"/>, asked for every message from an uplink: exact where it matters — a
/// quota that looks full counts the acknowledgements still queued — and without a commit while there is room.</summary>
public sealed class QuotaHintTests : IDisposable
{
    readonly TempDirectory _directory = new();

    [Fact]
    public void A_full_quota_is_full_until_an_acknowledgement_makes_room_even_one_not_yet_committed()
    {
        using var database = SqliteDatabase.Open(_directory.Path);
        using var offline = new SqliteOfflineStore(database, new OfflineLimits { MaxMessagesPerClient = 3, MaxBytesPerClient = long.MaxValue });
        var ids = new[] { offline.Append("dev", "m1"), offline.Append("dev", "m2") };
        Assert.True(offline.Commit());
        bool withRoom = offline.IsFull("dev");
        offline.Append("dev", "m3");
        Assert.True(offline.Commit());
        bool full = offline.IsFull("dev");

        offline.Remove("dev", ids[0]);

        Assert.Equal((false, true), (withRoom, full));
        Assert.False(offline.IsFull("dev"));
        Assert.False(offline.IsFull("nobody"));
    }

    public void Dispose() => _directory.Dispose();
}
