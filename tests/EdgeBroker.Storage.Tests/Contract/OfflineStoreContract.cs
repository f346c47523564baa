using System.Text;
using EdgeBroker.Core;
using EdgeBroker.Core.Offline;
using EdgeBroker.Core.Routing;
using static EdgeBroker.Storage.Tests.Support.Messages;

namespace EdgeBroker.Storage.Tests.Contract;

public abstract partial class StoreContractTests
{
    [Fact]
    public void Append_IssuesIncreasingIds_AcrossClients()
    {
        long first = Offline.Append("a", "1");
        long second = Offline.Append("b", "2");
        long third = Offline.Append("a", "3");

        Assert.True(first > 0);
        Assert.True(second > first);
        Assert.True(third > second);
    }

    [Fact]
    public void Read_GivesBackEverythingKept_OldestFirst()
    {
        long id = AppendMessageWithEverything();
        long plain = Offline.Append("dev", Message("a/b", "", sender: null), 2, false, null, NeverExpires);

        List<StoredMessage> read = Offline.ReadAll("dev");

        Assert.Equal(new[] { id, plain }, read.Select(stored => stored.Id));
        AssertCarriesEverything(read[0]);
        StoredMessage second = read[1];
        Assert.Equal("", PayloadOf(second));
        Assert.Equal(2, second.Qos);
        Assert.False(second.Retain);
        Assert.Null(second.SubscriptionIdentifiers);
        Assert.Null(second.Message.SenderClientId);
    }

    /// <summary>Keeps for "dev" a message with every field set to something other than its default.</summary>
    protected long AppendMessageWithEverything()
    {
        RoutedMessage message = Message("app/p2p/dev", "hello", qos: 2, retain: true, sender: "backend");
        message.MessageExpiryInterval = 60;
        return Offline.Append("dev", message, 1, true, new[] { 7, 9 }, Now + 60_000);
    }

    protected static void AssertCarriesEverything(StoredMessage stored)
    {
        Assert.Equal("app/p2p/dev", stored.Message.Topic);
        Assert.Equal("hello", PayloadOf(stored));
        Assert.Equal(1, stored.Qos);
        Assert.True(stored.Retain);
        Assert.Equal(new[] { 7, 9 }, stored.SubscriptionIdentifiers);
        Assert.Equal(Now + 60_000, stored.ExpiresAtMs);
        Assert.Equal("backend", stored.Message.SenderClientId);
        Assert.Equal(Now - 1000, stored.Message.PublishedAtMs);
        Assert.Equal(60u, stored.Message.MessageExpiryInterval);
    }

    [Fact]
    public void Append_KeepsOnlyTheLentSliceOfTheBuffer()
    {
        byte[] receiveBuffer = Encoding.UTF8.GetBytes("[[kept]]");
        var message = new RoutedMessage("t", receiveBuffer, 1, false) { PayloadOffset = 2, PayloadLength = 4, IsBorrowed = true };

        Offline.Append("dev", message, 1, false, null, NeverExpires);
        Encoding.UTF8.GetBytes("overwrit").CopyTo(receiveBuffer, 0);

        Assert.Equal(new[] { "kept" }, Offline.ReadAll("dev").Payloads());
    }

    [Fact]
    public void Read_PagesByAfterIdAndMax()
    {
        long[] ids = Enumerable.Range(1, 5).Select(i => Offline.Append("dev", "m" + i)).ToArray();

        Assert.Equal(new[] { "m1", "m2" }, Offline.ReadAll("dev", max: 2).Payloads());
        Assert.Equal(new[] { "m3", "m4" }, Offline.ReadAll("dev", afterId: ids[1], max: 2).Payloads());
        Assert.Equal(new[] { "m5" }, Offline.ReadAll("dev", afterId: ids[3], max: 2).Payloads());
        Assert.Empty(Offline.ReadAll("dev", afterId: ids[4]));
        Assert.Empty(Offline.ReadAll("nobody"));
    }

    [Fact]
    public void Remove_ForgetsOnlyThatMessage()
    {
        long first = Offline.Append("dev", "m1");
        long second = Offline.Append("dev", "m2");
        long other = Offline.Append("other", "o1");

        Offline.Remove("dev", second);

        Assert.Equal(new[] { "m1" }, Offline.ReadAll("dev").Payloads());
        Assert.Equal(1, Offline.Count("dev"));
        Assert.Equal(first, Offline.LastId("dev"));
        Assert.Equal(other, Offline.LastId("other"));
    }

    [Fact]
    public void Remove_OfAnUnknownMessageOrClient_ChangesNothing()
    {
        long id = Offline.Append("dev", "m1");

        Offline.Remove("dev", id + 100);
        Offline.Remove("nobody", id);

        Assert.Equal(1, Offline.Count("dev"));
        Assert.Equal(new[] { "m1" }, Offline.ReadAll("dev").Payloads());
    }

    [Fact]
    public void LastId_IsTheNewestKept_OrZero()
    {
        Assert.Equal(0, Offline.LastId("dev"));
        long first = Offline.Append("dev", "m1");
        long second = Offline.Append("dev", "m2");
        Assert.Equal(second, Offline.LastId("dev"));

        Offline.Remove("dev", first);
        Offline.Remove("dev", second);

        Assert.Equal(0, Offline.LastId("dev"));
        Assert.Equal(0, Offline.Count("dev"));
    }

    [Fact]
    public void QuotaByCount_RefusesFurtherMessages_AndKeepsTheOthers()
    {
        Limits.MaxMessagesPerClient = 2;
        Offline.Append("dev", "m1");
        Offline.Append("dev", "m2");

        Assert.Equal(0, Offline.Append("dev", "m3"));
        Assert.True(Offline.Append("other", "o1") > 0);
        Assert.Equal(new[] { "m1", "m2" }, Offline.ReadAll("dev").Payloads());
    }

    [Fact]
    public void QuotaByBytes_CountsPayloadAndTopic()
    {
        Limits.MaxBytesPerClient = 20;
        Assert.True(Offline.Append("dev", "0123456789", topic: "t") > 0);      // 11 bytes

        Assert.Equal(0, Offline.Append("dev", "0123456789", topic: "t"));       // 22 > 20
        Assert.True(Offline.Append("dev", "01234567", topic: "t") > 0);         // 20
        Assert.Equal(0, Offline.Append("dev", "", topic: "t"));                 // 21 > 20
    }

    [Fact]
    public void Quota_IsFreedByRemove()
    {
        Limits.MaxMessagesPerClient = 1;
        long id = Offline.Append("dev", "m1");
        Assert.Equal(0, Offline.Append("dev", "m2"));

        Offline.Remove("dev", id);

        Assert.True(Offline.Append("dev", "m3") > 0);
    }

    [Fact]
    public void Read_DropsExpiredMessages_AndForgetsThem()
    {
        Offline.Append("dev", "expired", expiresAtMs: Now);
        Offline.Append("dev", "alive", expiresAtMs: Now + 1);
        long last = Offline.Append("dev", "expired-too", expiresAtMs: Now - 5);

        Assert.Equal(new[] { "alive" }, Offline.ReadAll("dev", nowMs: Now).Payloads());

        Assert.Equal(1, Offline.Count("dev"));
        Assert.NotEqual(last, Offline.LastId("dev"));
    }

    [Fact]
    public void Read_JudgesAnExpiryCountedOnAnUnsetWallClock_ByTheIntervalClock()
    {
        // Appended before the wall clock was set: expiries on the uptime, 60 s ahead and 1 s past.
        Offline.Append("dev", "alive", expiresAtMs: Clock.MonotonicMs() + 60_000);
        Offline.Append("dev", "expired", expiresAtMs: Clock.MonotonicMs() - 1_000);

        Assert.Equal(new[] { "alive" }, Offline.ReadAll("dev", nowMs: Now).Payloads());
        Assert.Equal(1, Offline.Count("dev"));
    }

    [Fact]
    public void Read_FillsAPage_PastExpiredMessages()
    {
        Offline.Append("dev", "expired", expiresAtMs: Now - 1);
        Offline.Append("dev", "a");
        Offline.Append("dev", "expired-too", expiresAtMs: Now);
        Offline.Append("dev", "b");
        Offline.Append("dev", "c");

        Assert.Equal(new[] { "a", "b" }, Offline.ReadAll("dev", max: 2, nowMs: Now).Payloads());
        Assert.Equal(3, Offline.Count("dev"));
    }

    [Fact]
    public void CommitLater_WithNothingAppended_LeavesNothingToWaitFor()
    {
        Assert.Null(Offline.CommitLater());
    }

    [Fact]
    public void Discard_ForgetsOneClientsMessages()
    {
        Offline.Append("dev", "m1");
        Offline.Append("dev", "m2");
        Offline.Append("other", "o1");

        Offline.Discard("dev");
        Offline.Discard("nobody");

        Assert.Equal(0, Offline.Count("dev"));
        Assert.Empty(Offline.ReadAll("dev"));
        Assert.Equal(new[] { "o1" }, Offline.ReadAll("other").Payloads());
    }
}
