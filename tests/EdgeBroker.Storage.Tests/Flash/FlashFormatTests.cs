using System.Text;
using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Sessions;
using EdgeBroker.Core.Text;
using EdgeBroker.Firmware.Storage;
using EdgeBroker.Storage.Tests.Support;

namespace EdgeBroker.Storage.Tests.Flash;

/// <summary>What the log costs in flash and what it keeps exactly: bytes per record, no write for a change that
/// changes nothing, payloads larger than the record buffer, text beyond ASCII.</summary>
public sealed class FlashFormatTests : FlashLogFixture
{
    [Fact]
    public void AMessageCostsItsTextAndPayload_PlusFiftyOneBytes_AndAnAcknowledgementTwentyOne()
    {
        const string client = "GID_sensors@@@DEVICE_001";
        const string topic = "app/p2p/GID_sensors@@@DEVICE_001";
        const string sender = "GID_app@@@backend";
        const string payload = "open valve 3";
        int before = Store.LogBytes;

        long id = Offline.Append(client, Messages.Message(topic, payload, sender: sender), 1, false, null, Messages.NeverExpires);
        int message = Store.LogBytes - before;
        Offline.Remove(client, id);
        int acknowledgement = Store.LogBytes - before - message;

        Assert.Equal(client.Length + topic.Length + sender.Length + payload.Length + 51, message);
        Assert.Equal(21, acknowledgement);
    }

    [Fact]
    public void SavesThatChangeNothing_WriteNothing()
    {
        var subscription = new SubscriptionRecord("a/#", 1, false, false, 0);
        Store.Sessions.SaveSession("dev", 60, 0);
        Store.Sessions.SaveSubscription("dev", subscription);
        int written = Store.LogBytes;

        Store.Sessions.SaveSession("dev", 60, 0);
        Store.Sessions.SaveSubscription("dev", new SubscriptionRecord("a/#", 1, false, false, 0));
        Store.Sessions.DeleteSubscription("dev", "b");
        Store.Sessions.DeleteSession("nobody");
        Offline.Discard("dev");
        Offline.Remove("dev", 12345);

        Assert.Equal(written, Store.LogBytes);
    }

    [Fact]
    public void PayloadsLargerThanTheRecordBuffer_RoundTrip()
    {
        string large = string.Concat(Enumerable.Range(0, 300).Select(i => (char)('a' + i % 26)));
        Offline.Append("dev", large);

        Assert.Equal(new[] { large }, Offline.ReadAll("dev").Payloads());
        Close();
        Assert.Equal(new[] { large }, Offline.ReadAll("dev").Payloads());
    }

    [Fact]
    public void TextBeyondAscii_RoundTrips_AndCountsAgainstTheQuotaAsInMemory()
    {
        const string client = "Gerät-ü-😀";
        const string topic = "häuser/温度/😀";
        Limits.MaxBytesPerClient = topic.Length + 2;
        Offline.Append(client, Messages.Message(topic, "ok", sender: "Größe"), 1, false, null, Messages.NeverExpires);
        Store.Sessions.SaveSession(client, 60, 0);
        Store.Sessions.SaveSubscription(client, new SubscriptionRecord(topic, 1, false, false, 0));

        Close();

        RoutedMessage read = Offline.ReadAll(client).Single().Message;
        Assert.Equal(topic, read.Topic);
        Assert.Equal("Größe", read.SenderClientId);
        Assert.Equal(0, Offline.Append(client, "", topic: "t"));
        var session = (SessionRecord)Store.Sessions.LoadSessions()[0]!;
        Assert.Equal(client, session.ClientId);
        Assert.Equal(topic, ((SubscriptionRecord)session.Subscriptions[0]!).Filter);
    }

    [Theory]
    [InlineData("")]
    [InlineData("plain ascii")]
    [InlineData("äöü ß €")]
    [InlineData("😀 surrogate pairs 𝄞")]
    public void Utf8_MatchesTheFrameworkEncoding(string text)
    {
        byte[] expected = Encoding.UTF8.GetBytes(text);
        byte[] encoded = new byte[Utf8.EncodedLength(text)];
        Utf8.Encode(text, encoded, 0);
        char[] decoded = new char[encoded.Length];
        int chars = Utf8.Decode(encoded, 0, encoded.Length, decoded);

        Assert.Equal(expected, encoded);
        Assert.Equal(text, new string(decoded, 0, chars));
        Assert.Equal(text.Length, Utf8.CharCount(encoded, 0, encoded.Length));
    }

    [Fact]
    public void Crc32_IsTheStandardOne()
    {
        Assert.Equal(0xCBF43926u, Crc32.Of("123456789"u8.ToArray(), 0, 9));
    }
}
