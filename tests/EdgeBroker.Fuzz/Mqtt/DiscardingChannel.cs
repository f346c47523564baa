using System.Buffers;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using MQTTnet.Channel;

namespace EdgeBroker.Fuzz.Mqtt;

/// <summary>
/// The sending side of the fuzzed connection: the host's <c>GuardedChannel</c> reads the client's bytes itself and
/// sends through MQTTnet's channel adapter, whose channel this is. What the broker answers (CONNACK, DISCONNECT) is
/// encoded by MQTTnet and discarded here; nothing is ever read from it.
/// </summary>
sealed class DiscardingChannel : IMqttChannel
{
    public X509Certificate2 ClientCertificate => null!;

    public EndPoint RemoteEndPoint { get; } = new IPEndPoint(IPAddress.Loopback, 50000);

    public EndPoint LocalEndPoint { get; } = new IPEndPoint(IPAddress.Loopback, 1883);

    public bool IsSecureConnection => false;

    public Task ConnectAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task DisconnectAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("GuardedChannel reads the client's bytes itself");

    public Task WriteAsync(ReadOnlySequence<byte> buffer, bool isEndOfPacket, CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
    }
}
