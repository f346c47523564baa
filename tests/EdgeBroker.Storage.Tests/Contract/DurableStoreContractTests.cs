using EdgeBroker.Core.Offline;
using EdgeBroker.Core.Sessions;
using EdgeBroker.Storage.Tests.Support;
using static EdgeBroker.Storage.Tests.Support.Messages;

namespace EdgeBroker.Storage.Tests.Contract;

/// <summary>The contract, plus what a durable store adds: everything is still there, as it was, after closing and
/// opening it again (what a restart or a crash after the call returned does).</summary>
public abstract class DurableStoreContractTests : StoreContractTests
{
    [Fact]
    public void Reopen_KeepsMessagesWithEverythingTheyCarry()
    {
        long id = AppendMessageWithEverything();
        long plain = Offline.Append("dev", Message("a/b", "plain", sender: null), 2, false, null, NeverExpires);

        Close();
        List<StoredMessage> read = Offline.ReadAll("dev");

        Assert.Equal(new[] { id, plain }, read.Select(stored => stored.Id));
        AssertCarriesEverything(read[0]);
        Assert.Equal("plain", PayloadOf(read[1]));
        Assert.Null(read[1].SubscriptionIdentifiers);
        Assert.Null(read[1].Message.SenderClientId);
        Assert.Equal(plain, Offline.LastId("dev"));
    }

    [Fact]
    public void Reopen_IdsKeepIncreasing_EvenWhenNothingIsKept()
    {
        long first = Offline.Append("dev", "m1");
        Offline.Remove("dev", first);

        Close();

        Assert.True(Offline.Append("dev", "m2") > first);
    }

    [Fact]
    public void Reopen_RemovedExpiredAndDiscardedMessagesStayGone()
    {
        long acked = Offline.Append("dev", "acked");
        Offline.Append("dev", "expired", expiresAtMs: Now - 1);
        Offline.Append("dev", "kept");
        Offline.Append("gone", "discarded");
        Offline.Remove("dev", acked);
        Offline.ReadAll("dev", nowMs: Now);
        Offline.Discard("gone");

        Close();

        Assert.Equal(1, Offline.Count("dev"));
        Assert.Equal(new[] { "kept" }, Offline.ReadAll("dev", nowMs: 0).Payloads());
        Assert.Equal(0, Offline.Count("gone"));
    }

    [Fact]
    public void Reopen_QuotaUsageIsRemembered()
    {
        Limits.MaxMessagesPerClient = 3;
        Limits.MaxBytesPerClient = 20;
        Offline.Append("dev", "0123456789", topic: "t");
        Offline.Append("dev", "01234567", topic: "t");

        Close();

        Assert.Equal(2, Offline.Count("dev"));
        Assert.Equal(0, Offline.Append("dev", "", topic: "t"));
    }

    [Fact]
    public void Reopen_KeepsSessionsAndSubscriptions_AndForgetsDeletedOnes()
    {
        Sessions.SaveSession("dev", 3600, 1234);
        Sessions.SaveSubscription("dev", new SubscriptionRecord("a/+", 2, true, true, 42));
        Sessions.SaveSubscription("dev", new SubscriptionRecord("b", 1, false, false, 0));
        Sessions.DeleteSubscription("dev", "b");
        Sessions.SaveSession("gone", 60, 0);
        Sessions.SaveSubscription("gone", new SubscriptionRecord("c", 1, false, false, 0));
        Sessions.DeleteSession("gone");

        Close();

        Assert.Equal(new[] { "dev:3600:1234:a/+=2nr42" }, LoadedSessions());
    }
}
