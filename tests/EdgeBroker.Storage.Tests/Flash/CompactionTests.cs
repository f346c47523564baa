using EdgeBroker.Core.Offline;
using EdgeBroker.Core.Sessions;
using EdgeBroker.Storage.Tests.Support;

namespace EdgeBroker.Storage.Tests.Flash;

/// <summary>The log's size bound: compaction keeps the live state and drops the rest; a crash at any step of the file
/// switch loses nothing; what cannot fit even after a compaction is refused.</summary>
public sealed class CompactionTests : FlashLogFixture
{
    public CompactionTests()
    {
        FlashLimits.MaxLogBytes = 4096;
        FlashLimits.CompactAtDeadBytes = 2048;
        FlashLimits.SessionReserveBytes = 512;
    }

    [Fact]
    public void ManyDeliveries_StayWithinTheBound_AndKeepTheLiveState()
    {
        Store.Sessions.SaveSession("dev", 60, 0);
        Store.Sessions.SaveSubscription("dev", new SubscriptionRecord("a/#", 1, false, false, 0));
        long kept = Offline.Append("dev", "kept-all-along");
        long previous = 0;
        int largest = 0;
        for (int i = 0; i < 500; i++)
        {
            long id = Offline.Append("dev", "message " + i);
            Offline.Remove("dev", previous);
            previous = id;
            largest = Math.Max(largest, Store.LogBytes);
        }

        Assert.InRange(largest, 0, FlashLimits.MaxLogBytes);
        Assert.Equal(new[] { "kept-all-along", "message 499" }, Offline.ReadAll("dev").Payloads());

        Close();
        Assert.Equal(new[] { kept, previous }, Offline.ReadAll("dev").Select(stored => stored.Id));
        Assert.Single(Store.Sessions.LoadSessions());
        Assert.False(File.Exists(CompactionPath));
    }

    [Fact]
    public void AfterACompactionThatDroppedEveryMessage_IdsStillIncrease()
    {
        long last = 0;
        for (int i = 0; i < 200; i++)
        {
            last = Offline.Append("dev", "message " + i);
            Offline.Remove("dev", last);
        }

        Close();

        Assert.True(Offline.Append("dev", "next") > last);
    }

    /// <summary>A client's emptied queue is kept aside and handed to the next client that needs one (SpareQueues):
    /// six clients taking turns, more than the spares kept, each with its messages apart through compactions, a
    /// restart and each other's reused queues.</summary>
    [Fact]
    public void QueuesEmptiedAndTakenByOtherClients_KeepEachClientsMessagesApart()
    {
        var clients = Enumerable.Range(0, 6).Select(i => "dev" + i).ToArray();
        var previous = new long[clients.Length];
        for (int round = 0; round < 60; round++)
        {
            for (int c = 0; c < clients.Length; c++)
            {
                previous[c] = Offline.Append(clients[c], clients[c] + " message " + round);
            }

            // Acknowledged in a different order than appended, so a queue emptied by one client goes to another.
            for (int c = clients.Length - 1; c >= 0; c--)
            {
                if (round < 59 || c % 2 == 0)
                {
                    Offline.Remove(clients[c], previous[c]);
                }
            }
        }

        Close();

        for (int c = 0; c < clients.Length; c++)
        {
            var expected = c % 2 == 0 ? Array.Empty<string>() : new[] { clients[c] + " message 59" };
            Assert.Equal(expected, Offline.ReadAll(clients[c]).Payloads());
            Assert.Equal(expected.Length, Offline.Count(clients[c]));
        }

        Assert.True(Offline.Append("dev0", "after the restart") > previous.Max());
        Assert.Equal(new[] { "after the restart" }, Offline.ReadAll("dev0").Payloads());
        Assert.Equal(new[] { "dev1 message 59" }, Offline.ReadAll("dev1").Payloads());
    }

    [Fact]
    public void APartialCompactionOutputBesideTheLog_IsDiscarded()
    {
        Offline.Append("dev", "kept");
        Close();
        File.WriteAllBytes(CompactionPath, "half-written compaction"u8.ToArray());

        Assert.Equal(new[] { "kept" }, Offline.ReadAll("dev").Payloads());
        Assert.False(File.Exists(CompactionPath));
    }

    [Fact]
    public void ACompactionOutputWhoseOldLogWasAlreadyDeleted_BecomesTheLog()
    {
        Offline.Append("dev", "kept");
        Store.Sessions.SaveSession("dev", 60, 0);
        Close();
        File.Move(LogPath, CompactionPath);

        Assert.Equal(new[] { "kept" }, Offline.ReadAll("dev").Payloads());
        Assert.Single(Store.Sessions.LoadSessions());
        Assert.True(File.Exists(LogPath));
        Assert.False(File.Exists(CompactionPath));
    }

    [Fact]
    public void WhenEvenACompactedLogHasNoRoom_MessagesAreRefusedAsStoreUnavailable_UntilAcknowledgementsMakeRoom()
    {
        string payload = new('p', 100);
        var ids = new List<long>();
        long id;
        while ((id = Offline.Append("dev", payload)) > 0)
        {
            ids.Add(id);
        }

        // The log is full, not the client's quota: the core refuses the PUBLISH instead of acknowledging and losing it.
        Assert.Equal(AppendResult.StoreUnavailable, id);
        Assert.InRange(Store.LogBytes, 0, FlashLimits.MaxLogBytes);
        Assert.True(ids.Count > 20);
        Assert.Equal(AppendResult.StoreUnavailable, Offline.Append("other", payload));

        // The reserve still takes sessions and subscriptions.
        Store.Sessions.SaveSession("dev", 60, 0);
        Store.Sessions.SaveSubscription("dev", new SubscriptionRecord("a/#", 1, false, false, 0));

        Offline.Remove("dev", ids[0]);
        Offline.Remove("dev", ids[1]);
        Assert.True(Offline.Append("other", payload) > 0);
        Assert.InRange(Store.LogBytes, 0, FlashLimits.MaxLogBytes);

        Close();
        Assert.Equal(ids.Count - 2, Offline.Count("dev"));
        Assert.Equal(1, Offline.Count("other"));
    }
}
