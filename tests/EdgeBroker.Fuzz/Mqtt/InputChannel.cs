using System.Buffers;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using EdgeBroker.Firmware.Relay.Codec;
using MQTTnet.Channel;

namespace EdgeBroker.Fuzz.Mqtt;

/// <summary>
/// One client connection's received bytes, given to MQTTnet's <c>MqttChannelAdapter</c> in place of a TCP channel: every
/// read completes at once with what is left, and the end of the input is the peer closing the connection. Writes (the
/// broker's answers) are discarded.
/// </summary>
sealed class InputChannel(byte[] input) : IMqttChannel
{
    int _position;

    public X509Certificate2 ClientCertificate => null!;

    public EndPoint RemoteEndPoint { get; } = new IPEndPoint(IPAddress.Loopback, 50000);

    public EndPoint LocalEndPoint { get; } = new IPEndPoint(IPAddress.Loopback, 1883);

    public bool IsSecureConnection => false;

    /// <summary>
    /// Whether the next packet's remaining length is at most what the input still holds. MqttChannelAdapter allocates
    /// the remaining length a fixed header claims (up to 256 MiB) before it reads the body; over a socket the missing
    /// bytes would never come and the connection times out, here the input ends. Stopping first ends the connection the
    /// same way without that allocation, which would otherwise dominate every execution (it is issue #12's memory
    /// finding, guarded on the host's side of the socket, not a decoding one).
    /// </summary>
    public bool HoldsNextPacket()
    {
        int remaining = 0;
        for (int index = 0; _position + 1 + index < input.Length; index++)
        {
            int lengthByte = input[_position + 1 + index];
            try
            {
                remaining = FixedHeader.AddLengthByte(remaining, index, lengthByte);
            }
            catch (MalformedPacketException)
            {
                return true; // MQTTnet refuses a fifth length byte itself, before allocating.
            }

            if (FixedHeader.IsLastLengthByte(lengthByte))
            {
                return remaining <= input.Length - (_position + 2 + index);
            }
        }

        return true; // A cut fixed header: MQTTnet sees the connection close.
    }

    public Task ConnectAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task DisconnectAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        int read = Math.Min(count, input.Length - _position);
        Array.Copy(input, _position, buffer, offset, read);
        _position += read;
        return Task.FromResult(read);
    }

    public Task WriteAsync(ReadOnlySequence<byte> buffer, bool isEndOfPacket, CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
    }
}
