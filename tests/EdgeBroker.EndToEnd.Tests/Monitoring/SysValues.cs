using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet;

namespace EdgeBroker.EndToEnd.Tests.Monitoring;

/// <summary>What a real <c>$SYS</c> subscriber reads: its messages until the latest value of each expected topic is the
/// expected one (a value published before the event the test caused is read past, not failed on).</summary>
internal static class SysValues
{
    static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public static async Task ExpectAsync(TestClient watcher, IReadOnlyDictionary<string, string> expected, string what)
    {
        var latest = new Dictionary<string, string>();
        var deadline = DateTime.UtcNow + Timeout;
        while (!expected.All(pair => latest.GetValueOrDefault(pair.Key) == pair.Value))
        {
            Assert.True(DateTime.UtcNow < deadline, $"$SYS did not show {what}: " + string.Join(", ", latest.Select(pair => pair.Key + "=" + pair.Value)));
            var message = await watcher.ReceiveAsync(Timeout);
            latest[message.Topic] = message.ConvertPayloadToString();
        }
    }
}
