using EdgeBroker.Firmware.Relay;
using EdgeBroker.Firmware.Relay.Settings;
using EdgeBroker.Relay.Tests.Support;
using Xunit.Abstractions;

namespace EdgeBroker.Relay.Tests.Measurements;

/// <summary>
/// The heap the wills of the relay's clients take: each of the 12 clients could leave a will of the largest packet,
/// about 52 KB of the device's 50–110 KB heap; <c>max_will_bytes</c> bounds them, each counted by its topic, its payload
/// and the objects holding it (<see cref="HeldMessage.ObjectBytes"/>), and a CONNECT whose will does not fit is refused
/// with CONNACK 0x03. Measured as <see cref="RetainedMemoryTests"/> does, as the difference to the same clients connecting
/// without wills.
/// </summary>
[Collection(MeasurementCollection.Name)]
public class WillMemoryTests(ITestOutputHelper output)
{
    const int Rounds = 3;
    const int RelaysPerRound = 8;
    const int Clients = 12;
    const string WillTopic = "status/device";

    [Fact]
    public void Twelve_wills_of_the_largest_packet_grow_the_heap_no_more_than_max_will_bytes()
    {
        var settings = new RelaySettings();
        int bound = settings.MaxWillBytes;

        // The CONNECT's fixed header takes 3 bytes, its variable header 10, the client ID "c00" 5, the will topic's
        // and payload's lengths 4.
        int payloadBytes = settings.MaxPacketSize - 3 - 10 - 5 - 4 - WillTopic.Length;
        long plain = LeastOfRounds(() => ConnectWithWills(bound, null)).Grown;
        var bounded = LeastOfRounds(() => ConnectWithWills(bound, payloadBytes));
        var unbounded = LeastOfRounds(() => ConnectWithWills(0, payloadBytes));
        output.WriteLine($"{Clients} CONNECTs with wills of {payloadBytes} payload bytes: with max_will_bytes = {bound} {bounded.Kept} kept, "
            + $"{bounded.Counted} bytes counted, heap +{bounded.Grown - plain} beside the connections; with no bound (before) "
            + $"{unbounded.Kept} kept, {unbounded.Counted} bytes counted, heap +{unbounded.Grown - plain}");

        Assert.Equal(1, bounded.Kept);
        Assert.InRange(bounded.Counted, 1, bound);
        Assert.InRange(bounded.Grown - plain, 1, bound);
        Assert.Equal(Clients, unbounded.Kept);
        Assert.True(unbounded.Grown - plain > 5 * bound, "without the bound the same wills pin several times as much");
    }

    [Fact]
    public void An_ordinary_will_for_every_client_fits_the_default_bound()
    {
        var round = ConnectWithWills(new RelaySettings().MaxWillBytes, "offline".Length, relays: 1);

        Assert.Equal(Clients, round.Kept);
    }

    static Round LeastOfRounds(Func<Round> measure) =>
        Enumerable.Range(0, Rounds).Select(_ => measure()).MinBy(round => round.Grown);

    /// <summary>What <see cref="Clients"/> clients connecting with a will of <paramref name="payloadBytes"/> (null: no
    /// will) took of the heap of a fresh relay with the device's defaults but for <paramref name="maxWillBytes"/>: the
    /// average over <paramref name="relays"/>.</summary>
    static Round ConnectWithWills(int maxWillBytes, int? payloadBytes, int relays = RelaysPerRound)
    {
        var payload = payloadBytes is null ? null : new string('p', payloadBytes.Value);
        var all = Enumerable.Range(0, relays).Select(_ => new SynchronousRelay(configure: settings => settings.MaxWillBytes = maxWillBytes)).ToList();
        try
        {
            var connects = Enumerable.Range(0, Clients)
                .Select(i => Packets.Connect($"c{i:D2}", willTopic: payload is null ? null : WillTopic, willPayload: payload)).ToList();
            var sockets = all.Select(relay => Enumerable.Range(0, Clients).Select(_ => relay.OpenSocketPair()).ToList()).ToList();
            var connections = new List<RelayConnection>();
            var kept = 0;
            long start = RelayMemoryTests.SettledHeap();
            for (int r = 0; r < relays; r++)
            {
                for (int i = 0; i < Clients; i++)
                {
                    var (connection, connAck) = all[r].Handshake(connects[i], sockets[r][i]);
                    bool accepted = connAck[3] == 0;
                    Assert.True(accepted || connAck[3] == 3, $"CONNACK {connAck[3]}");
                    if (accepted)
                    {
                        connections.Add(connection);
                        kept += r == 0 && payload is not null ? 1 : 0;
                    }
                }
            }

            long grown = RelayMemoryTests.SettledHeap() - start;
            long counted = all[0].Context.Core.WillBytes;
            Assert.All(all, relay => Assert.Equal(counted, relay.Context.Core.WillBytes));
            GC.KeepAlive(connections);
            return new Round(kept, counted, grown / relays);
        }
        finally
        {
            all.ForEach(relay => relay.Dispose());
        }
    }

    /// <summary>Wills kept, the bytes counted for them, and the live heap the connections added (one relay's).</summary>
    readonly record struct Round(int Kept, long Counted, long Grown);
}
