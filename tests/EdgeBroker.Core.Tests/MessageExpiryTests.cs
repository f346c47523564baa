using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Tests.Support;

namespace EdgeBroker.Core.Tests;

/// <summary>One rule for a message's MQTT 5 expiry interval, for every copy the broker holds: expired once the interval
/// has passed since it was published [MQTT-3.3.2-5], and sent on with what is left of it [MQTT-3.3.2-6] (the host
/// used to send 1 for a message that had waited past its end).</summary>
public class MessageExpiryTests
{
    const long Published = 1_000_000;

    static RoutedMessage Expiring(uint seconds)
    {
        RoutedMessage message = TestBroker.Message("a/b", qos: 1);
        message.PublishedAtMs = Published;
        message.MessageExpiryInterval = seconds;
        return message;
    }

    [Theory]
    [InlineData(0, 10u)]
    [InlineData(999, 10u)]
    [InlineData(1_000, 9u)]
    [InlineData(1_500, 9u)]
    [InlineData(9_001, 1u)]
    [InlineData(9_999, 1u)]
    public void What_is_left_is_the_interval_less_the_whole_seconds_waited(long waitedMs, uint left)
    {
        RoutedMessage message = Expiring(10);

        Assert.False(message.ExpiredBy(Published + waitedMs));
        Assert.Equal(left, message.RemainingExpiryInterval(Published + waitedMs));
    }

    [Theory]
    [InlineData(10_000)]
    [InlineData(60_000)]
    public void Once_the_interval_has_passed_the_message_is_expired_and_has_nothing_left(long waitedMs)
    {
        RoutedMessage message = Expiring(10);

        Assert.True(message.ExpiredBy(Published + waitedMs));
        Assert.Equal(0u, message.RemainingExpiryInterval(Published + waitedMs));
    }

    [Fact]
    public void A_message_without_an_interval_never_expires_and_is_sent_without_one()
    {
        RoutedMessage message = Expiring(0);

        Assert.Equal(long.MaxValue, message.ExpiresAtMs);
        Assert.False(message.ExpiredBy(long.MaxValue - 1));
        Assert.Equal(0u, message.RemainingExpiryInterval(Published + 100_000_000));
    }
}
