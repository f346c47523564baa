using EdgeBroker.Core.Monitoring;
using EdgeBroker.Host.Configuration;
using EdgeBroker.Host.Mqtt;
using EdgeBroker.Host.Transport;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeBroker.EndToEnd.Tests.Protocol;

/// <summary>
/// The host's keep-alive deadlines (<see cref="KeepAliveWheel"/>), with time passed in rather than waited for: a
/// connection is reported once its client has been silent for one and a half keep-alive periods and not before, again
/// at every later look until it is removed, however far off its deadline (beyond the wheel's 64 seconds) or however
/// long the looks stall; one without keep-alive or removed never is. (A client that pings and one that falls silent are
/// covered through the broker in <c>WillAndKeepAliveTests</c> and <c>PacketSizeAndKeepAliveTests</c>.)
/// </summary>
public sealed class KeepAliveWheelTests
{
    const int Second = 1000;

    [Fact]
    public void A_connection_is_reported_once_its_deadline_has_passed_not_before()
    {
        var wheel = new KeepAliveWheel();
        var connection = Connection("a", keepAliveSeconds: 60);
        var start = Environment.TickCount64;
        wheel.Add(connection);

        Assert.Null(wheel.Expired(start + 30 * Second));
        Assert.Null(wheel.Expired(start + 89 * Second));
        Assert.Equal([connection], wheel.Expired(start + 91 * Second));
    }

    [Fact]
    public void A_deadline_beyond_the_wheels_reach_is_reported_when_it_comes()
    {
        var wheel = new KeepAliveWheel();
        var connection = Connection("a", keepAliveSeconds: 600);
        var start = Environment.TickCount64;
        wheel.Add(connection);

        for (var second = 1; second < 900; second++)
        {
            Assert.Null(wheel.Expired(start + second * Second));
        }

        Assert.Equal([connection], wheel.Expired(start + 901 * Second));
    }

    [Fact]
    public void A_reported_connection_is_reported_again_until_it_is_removed()
    {
        var wheel = new KeepAliveWheel();
        var connection = Connection("a", keepAliveSeconds: 1);
        var start = Environment.TickCount64;
        wheel.Add(connection);

        Assert.Equal([connection], wheel.Expired(start + 3 * Second));
        Assert.Equal([connection], wheel.Expired(start + 4 * Second));
        wheel.Remove(connection);
        wheel.Remove(connection);

        Assert.Null(wheel.Expired(start + 5 * Second));
    }

    [Fact]
    public void A_removed_connection_leaves_its_neighbours_in_place_and_one_without_keep_alive_is_never_reported()
    {
        var wheel = new KeepAliveWheel();
        var first = Connection("first", keepAliveSeconds: 10);
        var middle = Connection("middle", keepAliveSeconds: 10);
        var last = Connection("last", keepAliveSeconds: 10);
        var none = Connection("none", keepAliveSeconds: 0);
        var start = Environment.TickCount64;
        foreach (var connection in new[] { first, middle, last, none })
        {
            wheel.Add(connection);
        }

        wheel.Remove(middle);
        wheel.Remove(none);

        var expired = wheel.Expired(start + 16 * Second);
        Assert.NotNull(expired);
        Assert.Equal(["first", "last"], expired.Select(connection => connection.ClientId).Order());
    }

    [Fact]
    public void Looks_that_stalled_for_longer_than_the_wheel_still_find_every_overdue_connection()
    {
        var wheel = new KeepAliveWheel();
        var connections = Enumerable.Range(1, 100).Select(i => Connection("c" + i, keepAliveSeconds: (ushort)i)).ToArray();
        var start = Environment.TickCount64;
        foreach (var connection in connections)
        {
            wheel.Add(connection);
        }

        var expired = wheel.Expired(start + 1_000 * Second);

        Assert.NotNull(expired);
        Assert.Equal(connections.Select(connection => connection.ClientId).Order(), expired.Select(connection => connection.ClientId).Order());
    }

    static ClientConnection Connection(string clientId, ushort keepAliveSeconds)
    {
        var input = new NoInput();
        var limits = new ConnectionLimitsOptions();
        var channel = new GuardedChannel(input, "127.0.0.1", 50000,
            new GuardedChannel.Shared(limits.MaxPacketSize, limits.ToFlowLimits(), new ConnectionProblems(NullLogger.Instance, maxTrackedSources: 16),
                new ByteCounters()),
            new ConnectionInput(input, layered: false));
        return new ClientConnection(channel, clientId, keepAliveSeconds, client: null!, pairingMessage: null,
            new ClientConnection.Shared(new OutboundQueueOptions().ToLimits(), (_, _, _) => { }, metrics: null), ClientReceiveLimits.Unlimited);
    }

    /// <summary>A connection's stream that never receives anything: the wheel only reads the connection's deadline.</summary>
    sealed class NoInput : MemoryStream, ISocketInput
    {
        public int Available => 0;

        public int Peek(Span<byte> into) => 0;
    }
}
