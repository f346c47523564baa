using System.Net;
using System.Net.Sockets;
using EdgeBroker.Core.Monitoring;
using EdgeBroker.Host.Mqtt;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using MQTTnet.Packets;

namespace EdgeBroker.EndToEnd.Tests.Protocol;

/// <summary>
/// The host's write path on a real loopback TCP connection: packets sent in a burst leave in fewer writes than
/// packets, whole and in order; what a connection's reader collected leaves in one write on its own thread; a peer that
/// stops reading holds the sender back once the bounded pending bytes are full, and gets everything once it reads
/// again; a connection whose writes fail makes every later send fail.
/// (That a refusing CONNACK or a DISCONNECT reaches the client before the close is covered through the broker by the
/// malformed-input and refused-connect tests.)
/// </summary>
public sealed class PacketWriterTests
{
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Packets_sent_in_a_burst_leave_in_fewer_writes_whole_and_in_order()
    {
        const int packets = 200;
        await using var pair = await SocketPair.OpenAsync();
        var counting = new WriteCountingStream(pair.Server);
        var bytes = new ByteCounters();
        var writer = Writer(counting, bytes);

        // As a connection's reader does: one packet after another, without waiting for the socket in between.
        await Task.Run(async () =>
        {
            for (var id = 1; id <= packets; id++)
            {
                await writer.SendAsync(new MqttPubAckPacket { PacketIdentifier = (ushort)id });
            }

            await writer.DrainAsync(CancellationToken.None);
        });

        var received = await pair.ReadClientAsync(4 * packets);
        for (var id = 1; id <= packets; id++)
        {
            Assert.Equal([0x40, 0x02, (byte)(id >> 8), (byte)id], received.AsSpan(4 * (id - 1), 4).ToArray());
        }

        Assert.True(counting.Writes < packets / 2, $"{counting.Writes} writes for {packets} packets");
        Assert.Equal(4 * packets, bytes.Sent);
    }

    /// <summary>A PUBLISH without MQTT 5 properties is encoded by the writer itself (<see cref="PacketWriter.SendPublish"/>):
    /// byte for byte what MQTTnet's formatter encodes, every remaining-length size, QoS and flag, ASCII and other topics;
    /// one larger than the client's Maximum Packet Size is not written.</summary>
    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task A_publish_the_writer_encodes_itself_has_the_bytes_MQTTnet_encodes(MqttProtocolVersion version)
    {
        var random = new Random(15);
        string[] topics = ["a", "sensors/p2p/device-7", "ünïcode/температура", new string('t', 200)];
        foreach (var topic in topics)
        {
            foreach (var payloadLength in new[] { 0, 1, 60, 130, 16_500, 2_100_000 })
            {
                var qos = random.Next(3);
                var (retain, duplicate) = (random.Next(2) == 1, qos > 0 && random.Next(2) == 1);
                var packetIdentifier = qos > 0 ? (ushort)random.Next(1, 65536) : (ushort)0;
                var buffer = new byte[payloadLength + 10];
                random.NextBytes(buffer);
                var expected = MqttNetEncoding(version, new MqttPublishPacket
                {
                    Topic = topic,
                    Payload = new System.Buffers.ReadOnlySequence<byte>(buffer, 3, payloadLength),
                    QualityOfServiceLevel = (MQTTnet.Protocol.MqttQualityOfServiceLevel)qos,
                    Retain = retain,
                    Dup = duplicate,
                    PacketIdentifier = packetIdentifier,
                });

                var written = new MemoryStream();
                var writer = new PacketWriter(written, new ByteCounters()) { Version = version };
                Assert.False(writer.SendPublish(topic, buffer, 3, payloadLength, qos, retain, duplicate, packetIdentifier, expected.Length - 1));
                Assert.True(writer.SendPublish(topic, buffer, 3, payloadLength, qos, retain, duplicate, packetIdentifier, expected.Length));
                await writer.DrainAsync(CancellationToken.None);
                Assert.Equal(expected, written.ToArray());
            }
        }

        // A QoS 0 PUBLISH never carries DUP [MQTT-3.3.1-2].
        var qos0 = new MemoryStream();
        var qos0Writer = new PacketWriter(qos0, new ByteCounters()) { Version = version };
        Assert.True(qos0Writer.SendPublish("a", [1], 0, 1, qos: 0, retain: false, duplicate: true, packetIdentifier: 0, maximumPacketSize: 0));
        await qos0Writer.DrainAsync(CancellationToken.None);
        Assert.Equal(0x30, qos0.ToArray()[0]);
    }

    static byte[] MqttNetEncoding(MqttProtocolVersion version, MqttPacket packet)
    {
        using var lent = PacketFormatters.Encode(version, packet);
        var buffer = lent.Buffer;
        return [.. buffer.Packet, .. System.Buffers.BuffersExtensions.ToArray(buffer.Payload)];
    }

    [Fact]
    public async Task Packets_a_reader_collected_leave_in_one_write_on_its_thread_when_it_is_about_to_wait()
    {
        const int packets = 16;
        await using var pair = await SocketPair.OpenAsync();
        var counting = new WriteCountingStream(pair.Server);
        var writer = Writer(counting, new ByteCounters());

        // As a connection's reader handles the packets of one read, then writes what they appended before it waits.
        await Task.Run(() =>
        {
            for (var id = 1; id <= packets; id++)
            {
                ReadBatch.Begin();
                Assert.True(writer.SendAsync(new MqttPubAckPacket { PacketIdentifier = (ushort)id }).IsCompletedSuccessfully);
                ReadBatch.End();
            }

            Assert.Equal(0, counting.Writes);
            ReadBatch.WriteCollected();

            // Written before WriteCollected returned: the socket had room, no hop to another thread.
            Assert.Equal(1, counting.Writes);
        });

        var received = await pair.ReadClientAsync(4 * packets);
        for (var id = 1; id <= packets; id++)
        {
            Assert.Equal([0x40, 0x02, (byte)(id >> 8), (byte)id], received.AsSpan(4 * (id - 1), 4).ToArray());
        }
    }

    [Fact]
    public async Task A_peer_that_stops_reading_holds_the_sender_back_and_gets_everything_when_it_reads_again()
    {
        const int payload = 1024;
        await using var pair = await SocketPair.OpenAsync();
        var writer = Writer(pair.Server, new ByteCounters());
        var sent = 0;
        Task send;
        do
        {
            Assert.True(sent < 64 * 1024, $"{sent:N0} packets of {payload} bytes were taken without the sender waiting");
            send = writer.SendAsync(Publish(sent, payload));
            sent++;
        }
        while (await Task.WhenAny(send, Task.Delay(TimeSpan.FromSeconds(1))) == send);

        // The kernel's buffers took what they could, then the writer's bounded pending bytes: the sender waits.
        await Task.Delay(500);
        Assert.False(send.IsCompleted, "the sender went on although the peer reads nothing");

        var packetSize = PublishSize(payload);
        var reading = pair.ReadClientAsync(sent * packetSize);
        await send.WaitAsync(Patience);
        await writer.DrainAsync(CancellationToken.None).WaitAsync(Patience);
        var received = await reading.WaitAsync(Patience);
        for (var i = 0; i < sent; i++)
        {
            Assert.Equal((byte)i, received[(i * packetSize) + packetSize - payload]);
        }
    }

    [Fact]
    public async Task After_a_write_fails_every_send_fails()
    {
        await using var pair = await SocketPair.OpenAsync();
        var writer = Writer(pair.Server, new ByteCounters());
        pair.ResetClient();

        var failed = false;
        var until = DateTime.UtcNow + Patience;
        for (var i = 0; !failed && DateTime.UtcNow < until; i++)
        {
            try
            {
                await writer.SendAsync(Publish(i, 1024));
                await writer.DrainAsync(CancellationToken.None);
            }
            catch (MqttCommunicationException)
            {
                failed = true;
            }
        }

        Assert.True(failed, "sends to a reset connection kept succeeding");
        await Assert.ThrowsAsync<MqttCommunicationException>(() => writer.SendAsync(new MqttPingRespPacket()));
    }

    static PacketWriter Writer(Stream stream, ByteCounters bytes) => new(stream, bytes) { Version = MqttProtocolVersion.V311 };

    /// <summary>A QoS 0 PUBLISH to "t" whose payload is <paramref name="size"/> bytes of <paramref name="number"/>.</summary>
    static MqttPublishPacket Publish(int number, int size) =>
        new() { Topic = "t", PayloadSegment = new ArraySegment<byte>(Enumerable.Repeat((byte)number, size).ToArray()) };

    /// <summary>Fixed header (two remaining-length bytes), topic length and "t", payload.</summary>
    static int PublishSize(int payload) => 1 + 2 + 2 + 1 + payload;

    /// <summary>A connected pair of loopback sockets: the server side as the broker's stream, the client side read raw.</summary>
    sealed class SocketPair : IAsyncDisposable
    {
        readonly Socket _client;

        SocketPair(Socket client, NetworkStream server)
        {
            _client = client;
            Server = server;
        }

        public NetworkStream Server { get; }

        public static async Task<SocketPair> OpenAsync()
        {
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(1);
            var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await client.ConnectAsync(listener.LocalEndPoint!);
            var server = await listener.AcceptAsync();
            return new SocketPair(client, new NetworkStream(server, ownsSocket: true));
        }

        public async Task<byte[]> ReadClientAsync(int length)
        {
            var buffer = new byte[length];
            var read = 0;
            while (read < length)
            {
                var n = await _client.ReceiveAsync(buffer.AsMemory(read));
                Assert.True(n > 0, $"the connection ended after {read} of {length} bytes");
                read += n;
            }

            return buffer;
        }

        /// <summary>Closes the client side with a reset, so the server's writes fail.</summary>
        public void ResetClient() => _client.Close(0);

        public async ValueTask DisposeAsync()
        {
            _client.Dispose();
            await Server.DisposeAsync();
        }
    }

    /// <summary>Counts the writes that reach the socket.</summary>
    sealed class WriteCountingStream(Stream inner) : Stream
    {
        int _writes;

        public int Writes => Volatile.Read(ref _writes);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _writes);
            return inner.WriteAsync(buffer, cancellationToken);
        }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
