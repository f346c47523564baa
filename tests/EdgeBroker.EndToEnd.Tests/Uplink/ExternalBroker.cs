using EdgeBroker.EndToEnd.Tests.Infrastructure;

namespace EdgeBroker.EndToEnd.Tests.Uplink;

/// <summary>A broker this test process did not build — a mosquitto, a gateway program — seen only through its port.</summary>
public sealed class ExternalBroker(int port) : RunningBroker
{
    public override int Port => port;

    /// <summary>Not known from outside; wait for what the broker prints or what a client receives instead.</summary>
    public override bool IsConnected(string clientId) => throw new NotSupportedException("ask a client instead");

    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
