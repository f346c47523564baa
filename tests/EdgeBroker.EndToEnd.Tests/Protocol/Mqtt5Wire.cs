using System.Text;
using EdgeBroker.EndToEnd.Tests.Infrastructure;

namespace EdgeBroker.EndToEnd.Tests.Protocol;

/// <summary>An MQTT 5 packet's properties as read: each property identifier with its value (integers as numbers,
/// strings as text); a repeated one (user properties) keeps its last value.</summary>
public sealed class Mqtt5Properties : Dictionary<int, object>
{
    public const int ReceiveMaximum = 0x21;
    public const int TopicAliasMaximum = 0x22;
    public const int TopicAlias = 0x23;
    public const int MaximumPacketSize = 0x27;
    public const int ServerKeepAlive = 0x13;

    public int? Number(int id) => TryGetValue(id, out var value) ? Convert.ToInt32(value) : null;
}

/// <summary>A PUBLISH as an MQTT 5 client reads it off the wire, properties included.</summary>
public sealed record Mqtt5Publish(string Topic, string Payload, int Qos, ushort PacketId, Mqtt5Properties Properties);

/// <summary>
/// MQTT 5 packets with properties over a <see cref="RawMqttConnection"/>, for what the tests must see exactly as sent
/// (CONNACK properties, topic aliases, how many PUBLISHes are in flight) and the violations no client library sends.
/// </summary>
public static class Mqtt5Wire
{
    /// <summary>Sends an MQTT 5 CONNECT (clean start) with <paramref name="properties"/> (identifier, value as its
    /// encoded bytes) and returns the CONNACK's reason code and properties.</summary>
    public static async Task<(int ReasonCode, Mqtt5Properties Properties)> ConnectAsync(RawMqttConnection connection, string clientId,
        ushort keepAliveSeconds = 60, params (int Id, byte[] Value)[] properties)
    {
        var body = new List<byte>();
        RawMqttConnection.AppendString(body, "MQTT");
        body.Add(5);
        body.Add(0x02);
        body.Add((byte)(keepAliveSeconds >> 8));
        body.Add((byte)keepAliveSeconds);
        AppendProperties(body, properties);
        RawMqttConnection.AppendString(body, clientId);
        await connection.SendAsync(0x10, body);
        var (type, _, connAck) = await connection.ReadPacketAsync();
        Assert.Equal(2, type);
        var at = 2;
        return (connAck[1], ReadProperties(connAck, ref at));
    }

    public static byte[] TwoBytes(int value) => [(byte)(value >> 8), (byte)value];

    public static byte[] FourBytes(long value) => [(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value];

    /// <summary>Sends SUBSCRIBE for one filter (no properties) and returns the SUBACK's reason code.</summary>
    public static async Task<int> SubscribeAsync(RawMqttConnection connection, string filter, int qos, ushort packetId = 1)
    {
        await SendSubscribeAsync(connection, filter, qos, packetId);
        var (type, _, subAck) = await connection.ReadPacketAsync();
        Assert.Equal(9, type);
        return subAck[^1];
    }

    /// <summary>Sends SUBSCRIBE for one filter (no properties) without waiting for the SUBACK: retained messages may
    /// come before it (MQTT 5 §3.8.4).</summary>
    public static Task SendSubscribeAsync(RawMqttConnection connection, string filter, int qos, ushort packetId = 1)
    {
        var body = new List<byte> { (byte)(packetId >> 8), (byte)packetId, 0 };
        RawMqttConnection.AppendString(body, filter);
        body.Add((byte)qos);
        return connection.SendAsync(0x82, body);
    }

    /// <summary>Sends an MQTT 5 PUBLISH, with a Topic Alias property when <paramref name="topicAlias"/> is given.</summary>
    public static Task PublishAsync(RawMqttConnection connection, string topic, string payload, int qos, ushort packetId = 0, int? topicAlias = null)
    {
        var body = new List<byte>();
        RawMqttConnection.AppendString(body, topic);
        if (qos > 0)
        {
            body.AddRange(TwoBytes(packetId));
        }

        AppendProperties(body, topicAlias is { } alias ? [(Mqtt5Properties.TopicAlias, TwoBytes(alias))] : []);
        body.AddRange(Encoding.UTF8.GetBytes(payload));
        return connection.SendAsync((byte)(0x30 | (qos << 1)), body);
    }

    /// <summary>Reads the next packet, which must be a PUBLISH.</summary>
    public static async Task<Mqtt5Publish> ReadPublishAsync(RawMqttConnection connection, TimeSpan? timeout = null)
    {
        var (type, flags, body) = await connection.ReadPacketAsync(timeout);
        return ParsePublish(type, flags, body);
    }

    /// <summary>A packet as read by <see cref="RawMqttConnection.ReadPacketAsync"/>, which must be a PUBLISH.</summary>
    public static Mqtt5Publish ParsePublish(int type, int flags, byte[] body)
    {
        Assert.True(type == 3, $"expected a PUBLISH, got packet type {type}");
        var qos = (flags >> 1) & 3;
        var topicLength = (body[0] << 8) | body[1];
        var at = 2 + topicLength;
        ushort packetId = 0;
        if (qos > 0)
        {
            packetId = (ushort)((body[at] << 8) | body[at + 1]);
            at += 2;
        }

        var properties = ReadProperties(body, ref at);
        return new Mqtt5Publish(Encoding.UTF8.GetString(body, 2, topicLength), Encoding.UTF8.GetString(body, at, body.Length - at), qos, packetId, properties);
    }

    /// <summary>Reads packets until the broker's DISCONNECT and returns its reason code; fails if the connection ends
    /// without one.</summary>
    public static async Task<int> ReadDisconnectAsync(RawMqttConnection connection)
    {
        while (true)
        {
            var (type, _, body) = await connection.ReadPacketAsync();
            if (type == 14)
            {
                return body.Length == 0 ? 0 : body[0];
            }
        }
    }

    /// <summary>Asserts that the broker sends nothing within <paramref name="window"/>.</summary>
    public static async Task ExpectSilenceAsync(RawMqttConnection connection, TimeSpan window)
    {
        try
        {
            var (type, _, _) = await connection.ReadPacketAsync(window);
            Assert.Fail($"expected nothing, got packet type {type}");
        }
        catch (OperationCanceledException)
        {
        }
    }

    static Mqtt5Properties ReadProperties(byte[] body, ref int at)
    {
        var length = ReadVariableByteInteger(body, ref at);
        var end = at + length;
        var properties = new Mqtt5Properties();
        while (at < end)
        {
            var id = ReadVariableByteInteger(body, ref at);
            switch (id)
            {
                case 0x01 or 0x17 or 0x19 or 0x24 or 0x25 or 0x28 or 0x29 or 0x2A:
                    properties[id] = body[at++];
                    break;
                case 0x13 or 0x21 or 0x22 or 0x23:
                    properties[id] = (body[at] << 8) | body[at + 1];
                    at += 2;
                    break;
                case 0x02 or 0x11 or 0x18 or 0x27:
                    properties[id] = ((long)body[at] << 24) | ((long)body[at + 1] << 16) | ((long)body[at + 2] << 8) | body[at + 3];
                    at += 4;
                    break;
                case 0x0B:
                    properties[id] = ReadVariableByteInteger(body, ref at);
                    break;
                case 0x26:
                    var name = ReadString(body, ref at);
                    properties[id] = name + "=" + ReadString(body, ref at);
                    break;
                default:
                    properties[id] = ReadString(body, ref at);
                    break;
            }
        }

        return properties;
    }

    static string ReadString(byte[] body, ref int at)
    {
        var length = (body[at] << 8) | body[at + 1];
        var text = Encoding.UTF8.GetString(body, at + 2, length);
        at += 2 + length;
        return text;
    }

    static int ReadVariableByteInteger(byte[] body, ref int at)
    {
        var value = 0;
        var shift = 0;
        byte digit;
        do
        {
            digit = body[at++];
            value |= (digit & 0x7F) << shift;
            shift += 7;
        }
        while ((digit & 0x80) != 0);

        return value;
    }

    static void AppendProperties(List<byte> body, (int Id, byte[] Value)[] properties)
    {
        var encoded = properties.SelectMany(p => new[] { (byte)p.Id }.Concat(p.Value)).ToList();
        body.Add((byte)encoded.Count);
        body.AddRange(encoded);
    }
}
