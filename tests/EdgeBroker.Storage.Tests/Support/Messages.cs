using System.Collections;
using System.Text;
using EdgeBroker.Core.Offline;
using EdgeBroker.Core.Routing;

namespace EdgeBroker.Storage.Tests.Support;

/// <summary>Messages to store and what reading them back gives, in the terms the tests compare.</summary>
public static class Messages
{
    /// <summary>A fixed "now" (Unix ms): the stores take time as arguments, never from the clock.</summary>
    public const long Now = 1_750_000_000_000;

    /// <summary>Expiry far beyond any test's "now".</summary>
    public const long NeverExpires = long.MaxValue;

    public static RoutedMessage Message(string topic, string payload, int qos = 1, bool retain = false, string? sender = "sender")
    {
        return new RoutedMessage(topic, Encoding.UTF8.GetBytes(payload), qos, retain)
        {
            SenderClientId = sender,
            PublishedAtMs = Now - 1000,
        };
    }

    public static long Append(this IOfflineStore store, string clientId, string payload, string topic = "t/x", long expiresAtMs = NeverExpires)
    {
        return store.Append(clientId, Message(topic, payload), 1, false, null, expiresAtMs);
    }

    public static List<StoredMessage> ReadAll(this IOfflineStore store, string clientId, long afterId = 0, int max = int.MaxValue, long nowMs = Now)
    {
        var into = new ArrayList();
        int added = store.Read(clientId, afterId, max, nowMs, into);
        Assert.Equal(added, into.Count);
        return into.Cast<StoredMessage>().ToList();
    }

    public static string PayloadOf(StoredMessage stored)
    {
        RoutedMessage message = stored.Message;
        return message.Payload is null ? "" : Encoding.UTF8.GetString(message.Payload, message.PayloadOffset, message.PayloadLength);
    }

    public static IEnumerable<string> Payloads(this IEnumerable<StoredMessage> stored) => stored.Select(PayloadOf);
}
