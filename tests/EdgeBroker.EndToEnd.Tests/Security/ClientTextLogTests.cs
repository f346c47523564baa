using EdgeBroker.EndToEnd.Tests.Infrastructure;
using MQTTnet.Protocol;

namespace EdgeBroker.EndToEnd.Tests.Security;

/// <summary>What a client's text does to the log (the security review's F9 and F10): a long topic is quoted as its
/// start and length, not whole, and control characters in a client ID or topic (a terminal's ESC sequences, line
/// breaks) are shown escaped, so an operator's <c>tail -f</c> runs none of them. Real clients, both engines.</summary>
public sealed class ClientTextLogTests
{
    /// <summary>Longer than 256 characters, and within the emulator's 4 KB packets.</summary>
    const int LongTopicLength = 3000;

    [Theory]
    [MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task A_refused_publish_is_logged_with_its_topic_cut_and_control_characters_escaped(string engine)
    {
        await using var broker = await Engines.StartAsync(engine);
        await using var listener = await TestClient.ConnectAsync(broker, "listener");
        await listener.SubscribeAsync("done/#");
        await using var client = await TestClient.ConnectAsync(broker, "evil\u001b[31mRED\u001b]0;title\u0007");
        var topic = "$SYS/\u001b[2J" + new string('T', LongTopicLength - 9);

        await client.PublishAsync(topic, "x", MqttQualityOfServiceLevel.AtMostOnce);
        await client.PublishAsync("done/evil", "x");
        await listener.ReceiveAsync();

        var line = Assert.Single(broker.LoggedProblems, line => line.Contains("$SYS/", StringComparison.Ordinal));
        Assert.Contains("evil\\x1B[31mRED\\x1B]0;title\\x07", line);
        Assert.Contains("$SYS/\\x1B[2J" + new string('T', 55) + "... (3000 characters)", line);
        Assert.DoesNotContain(line, char.IsControl);
        Assert.True(line.Length < 600, $"a line of {line.Length} characters: {line}");
    }

    /// <summary>The review's measurement: refused PUBLISHes to a 60,000-character topic, each logged once per client,
    /// wrote lines of 60,227 characters (12.1 MB of log in 10 s from one address).</summary>
    [Fact]
    public async Task A_refused_60000_character_topic_makes_a_line_of_a_few_hundred_characters_on_the_host()
    {
        await using var broker = await Engines.StartAsync(Engines.Host);
        await using var client = await TestClient.ConnectAsync(broker, "flood-1");

        await client.PublishAsync("$flood/" + new string('T', 60_000), "x");

        var line = Assert.Single(broker.LoggedProblems, line => line.Contains("flood-1", StringComparison.Ordinal));
        Assert.Contains("$flood/" + new string('T', 57) + "... (60007 characters)", line);
        Assert.True(line.Length < 400, $"a line of {line.Length} characters");
    }
}
