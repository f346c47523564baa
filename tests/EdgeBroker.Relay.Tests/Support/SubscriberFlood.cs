using System.Net.Sockets;
using System.Text;
using EdgeBroker.Firmware.Relay;
using EdgeBroker.Firmware.Relay.Codec;

namespace EdgeBroker.Relay.Tests.Support;

/// <summary>
/// The device's worst case for its buffers, on a <see cref="SynchronousRelay"/>: subscribers that stop reading (small
/// socket buffers, never read) while a publisher floods them with QoS 1 PUBLISHes, next to a subscriber that reads
/// everything. The stalled subscribers are clean sessions subscribed at QoS 0 and QoS 1 in turn — subscriber 0, when
/// asked, a persistent session at QoS 1; the reader subscribes at QoS 0.
/// </summary>
internal sealed class SubscriberFlood
{
    public const string Topic = "flood/data";
    public const string PersistentId = "stalled-00";

    /// <summary>The stalled subscribers' socket buffers: full after a few kilobytes.</summary>
    const int StalledSocketBytes = 4096;

    readonly SynchronousRelay _relay;
    readonly int _payloadBytes;

    public SubscriberFlood(SynchronousRelay relay, int payloadBytes)
    {
        _relay = relay;
        _payloadBytes = payloadBytes;
        Publisher = relay.Connect("flood-publisher");
        Reader = relay.Connect("flood-reader");
        Subscribe(Reader, qos: 0);
    }

    public (Socket Client, RelayConnection Connection) Publisher { get; }

    public (Socket Client, RelayConnection Connection) Reader { get; }

    public List<(Socket Client, RelayConnection Connection)> Stalled { get; } = [];

    /// <summary>What the reader received of each message, in order (every one, if it was served).</summary>
    public List<int> ReaderReceived { get; } = [];

    public static string StalledId(int index) => "stalled-" + index.ToString("00");

    /// <summary>Connects and subscribes <paramref name="count"/> subscribers that then read nothing, the first of them a
    /// persistent session when <paramref name="firstPersistent"/>.</summary>
    public void ConnectStalled(int count, bool firstPersistent)
    {
        for (int i = 0; i < count; i++)
        {
            bool persistent = firstPersistent && i == 0;
            var subscriber = _relay.Connect(StalledId(i), _relay.OpenSocketPair(StalledSocketBytes), cleanSession: !persistent);
            Subscribe(subscriber, qos: persistent || i % 2 == 1 ? 1 : 0);
            Stalled.Add(subscriber);
        }
    }

    /// <summary>The payload of message <paramref name="index"/>: its number, padded to the flood's size.</summary>
    public byte[] Payload(int index) => Encoding.ASCII.GetBytes(index.ToString("000000").PadRight(_payloadBytes, '.'));

    public static int IndexOf(byte[] payload) => int.Parse(Encoding.ASCII.GetString(payload, 0, 6));

    /// <summary>Publishes messages <paramref name="first"/> up to <paramref name="count"/> of them at QoS 1, each read and
    /// handled by the relay and sent on by its transmitter; the publisher reads each PUBACK and the reader each delivery.
    /// <paramref name="afterEach"/> runs once the transmitter has sent what it could.</summary>
    public void Publish(int first, int count, Action? afterEach = null)
    {
        for (int i = first; i < first + count; i++)
        {
            byte[] payload = Payload(i);
            byte[] publish = Packets.Publish(Topic, Encoding.ASCII.GetString(payload), qos: 1, packetId: 1 + i % 65535);
            Publisher.Client.Send(publish);
            _relay.WaitUntilReadable(Publisher.Connection, publish.Length);
            Assert.True(Publisher.Connection.ReceiveAndHandle());
            _relay.Context.Transmitter.FlushReady();
            afterEach?.Invoke();

            var pubAck = new byte[4];
            SynchronousRelay.ReceiveExactly(Publisher.Client, pubAck);
            Assert.Equal(0x40, pubAck[0]);
            var delivered = new byte[Packets.Publish(Topic, Encoding.ASCII.GetString(payload)).Length];
            SynchronousRelay.ReceiveExactly(Reader.Client, delivered);
            ReaderReceived.Add(IndexOf(delivered[^_payloadBytes..]));
        }
    }

    /// <summary>
    /// The stalled subscribers read again: each reads what the relay sends it, acknowledging QoS 1 deliveries, until
    /// nothing more has come for two seconds while the transmitter and <paramref name="housekeeping"/> (the core's tick,
    /// which sends a persistent session's next batch) run. Returns the messages each received, in order.
    /// </summary>
    public List<int>[] ReadStalledAgain(Housekeeping housekeeping)
    {
        var streams = Stalled.Select(_ => new List<byte>()).ToArray();
        var received = Stalled.Select(_ => new List<int>()).ToArray();
        var chunk = new byte[65536];
        var quietSince = DateTime.UtcNow;
        while (DateTime.UtcNow - quietSince < TimeSpan.FromSeconds(2))
        {
            _relay.Context.Transmitter.FlushReady();
            for (int i = 0; i < Stalled.Count; i++)
            {
                var (client, connection) = Stalled[i];
                while (client.Available > 0)
                {
                    streams[i].AddRange(chunk.AsSpan(0, client.Receive(chunk)).ToArray());
                    quietSince = DateTime.UtcNow;
                }

                int acknowledged = 0;
                foreach (var (index, packetId) in TakePublishes(streams[i]))
                {
                    received[i].Add(index);
                    if (packetId != 0)
                    {
                        client.Send([0x40, 2, (byte)(packetId >> 8), (byte)packetId]);
                        acknowledged++;
                    }
                }

                if (acknowledged > 0)
                {
                    _relay.WaitUntilReadable(connection, 4 * acknowledged);
                    for (int k = 0; k < acknowledged; k++)
                    {
                        Assert.True(connection.ReceiveAndHandle());
                    }

                    connection.AwaitingPacket();
                }
            }

            housekeeping.RunOnce();
            Thread.Sleep(5);
        }

        return received;
    }

    /// <summary>The whole PUBLISH packets at the start of <paramref name="stream"/>, taken from it and decoded by the
    /// relay's own decoder: each message's index and packet identifier (0 at QoS 0).</summary>
    static List<(int Index, int PacketId)> TakePublishes(List<byte> stream)
    {
        var publishes = new List<(int, int)>();
        var bytes = stream.ToArray();
        var reader = new PacketReader(new StringDecoder());
        var publish = new PublishPacket();
        int position = 0;
        while (PacketDecoding.TryReadFixedHeader(bytes, position, out int bodyStart, out int remaining) && bodyStart + remaining <= bytes.Length)
        {
            Assert.Equal(PacketType.Publish, FixedHeader.TypeOf(bytes[position]));
            reader.Reset(bytes, bodyStart, remaining);
            publish.Decode(bytes[position] & 0x0F, reader);
            publishes.Add((IndexOf(bytes[publish.PayloadOffset..(publish.PayloadOffset + publish.PayloadLength)]), publish.PacketId));
            position = bodyStart + remaining;
        }

        stream.RemoveRange(0, position);
        return publishes;
    }

    /// <summary>The stalled subscribers go away as the relay ends a client that read nothing for
    /// <c>send_timeout_seconds</c>, and are forgotten by the test and the transmitter too.</summary>
    public void EndStalled()
    {
        foreach (var (client, connection) in Stalled)
        {
            connection.Terminate();
            _relay.Forget(connection);
            client.Dispose();
        }

        // The transmitter lets go of the closed connections it had set aside, as its thread does within 50 ms.
        _relay.Context.Transmitter.FlushReady();
        Stalled.Clear();
    }

    void Subscribe((Socket Client, RelayConnection Connection) subscriber, int qos)
    {
        byte[] subscribe = Packets.Subscribe(1, (Topic, qos));
        subscriber.Client.Send(subscribe);
        _relay.WaitUntilReadable(subscriber.Connection, subscribe.Length);
        Assert.True(subscriber.Connection.ReceiveAndHandle());
        _relay.Context.Transmitter.FlushReady();
        var subAck = new byte[5];
        SynchronousRelay.ReceiveExactly(subscriber.Client, subAck);
        Assert.Equal(new byte[] { 0x90, 3, 0, 1, (byte)qos }, subAck);

        // Its reader back to waiting for the next packet, as its thread would be: a PUBLISH routed to it need not wait
        // for it (RelayInput), which nothing else here would ever release.
        subscriber.Connection.AwaitingPacket();
    }
}
