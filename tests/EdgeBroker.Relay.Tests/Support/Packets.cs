using System.Text;
using EdgeBroker.Firmware.Relay.Codec;
using EdgeBroker.Core.Wire;

namespace EdgeBroker.Relay.Tests.Support;

/// <summary>Hand-built MQTT 3.1.1 client packets for tests (independent of the relay's own encoder).</summary>
internal static class Packets
{
    public static byte[] Connect(string clientId, int keepAlive = 60, bool cleanSession = true, string? willTopic = null,
        string? willPayload = null, string? userName = null, string? password = null)
    {
        var body = new List<byte>();
        String(body, "MQTT");
        body.Add(4);
        int flags = (cleanSession ? 0x02 : 0) | (willTopic != null ? 0x04 : 0) | (userName != null ? 0x80 : 0) | (password != null ? 0x40 : 0);
        body.Add((byte)flags);
        body.Add((byte)(keepAlive >> 8));
        body.Add((byte)keepAlive);
        String(body, clientId);
        if (willTopic != null)
        {
            String(body, willTopic);
            String(body, willPayload ?? string.Empty);
        }

        if (userName != null)
        {
            String(body, userName);
        }

        if (password != null)
        {
            String(body, password);
        }

        return Frame(0x10, body);
    }

    public static byte[] Publish(string topic, string payload, int qos = 0, int packetId = 0, bool retain = false)
    {
        var body = new List<byte>();
        String(body, topic);
        if (qos > 0)
        {
            body.Add((byte)(packetId >> 8));
            body.Add((byte)packetId);
        }

        body.AddRange(Encoding.UTF8.GetBytes(payload));
        return Frame(0x30 | (qos << 1) | (retain ? 1 : 0), body);
    }

    public static byte[] Subscribe(int packetId, params (string Filter, int Qos)[] filters)
    {
        var body = new List<byte> { (byte)(packetId >> 8), (byte)packetId };
        foreach (var (filter, qos) in filters)
        {
            String(body, filter);
            body.Add((byte)qos);
        }

        return Frame(0x82, body);
    }

    public static byte[] Unsubscribe(int packetId, params string[] filters)
    {
        var body = new List<byte> { (byte)(packetId >> 8), (byte)packetId };
        foreach (var filter in filters)
        {
            String(body, filter);
        }

        return Frame(0xA2, body);
    }

    public static byte[] Frame(int firstByte, List<byte> body)
    {
        var packet = new List<byte> { (byte)firstByte };
        var length = new byte[4];
        packet.AddRange(length.Take(RemainingLength.Write(length, 0, body.Count)));
        packet.AddRange(body);
        return packet.ToArray();
    }

    static void String(List<byte> body, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        body.Add((byte)(bytes.Length >> 8));
        body.Add((byte)bytes.Length);
        body.AddRange(bytes);
    }
}
