using System.Buffers;
using System.Runtime.ExceptionServices;
using EdgeBroker.Core;
using EdgeBroker.Core.Access;
using EdgeBroker.Core.Flow;
using EdgeBroker.Core.Monitoring;
using EdgeBroker.Core.Offline;
using EdgeBroker.Core.Retained;
using EdgeBroker.Core.Security;
using EdgeBroker.Core.Sessions;
using EdgeBroker.Host.Configuration;
using EdgeBroker.Host.Mqtt;
using EdgeBroker.Host.Security;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;

namespace EdgeBroker.Fuzz.Mqtt;

/// <summary>
/// (b) The host's packet handling through the core: the input is what a client sends on one connection, read by the
/// host's own <see cref="GuardedChannel"/> exactly as its listener does — its framing (fixed header, remaining length,
/// the maximum packet size, bodies read into pooled buffers as bytes arrive), its checks of what MQTTnet's decoders do
/// not check (the first packet a CONNECT of a supported protocol level, reserved flags, UTF-8 strings, a second
/// CONNECT, topic aliases, the Receive Maximum) and MQTTnet 5.2's decoders behind them — and served by the host's own
/// connection loop (<see cref="CoreBridge.Serve"/>) against a <see cref="BrokerCore"/> on in-memory stores:
/// CONNECT and its CONNACK, PUBLISH at every QoS with its acknowledgements, SUBSCRIBE with retained messages after the
/// SUBACK, UNSUBSCRIBE, DISCONNECT and everything the loop refuses. Two other clients share the core — one connected and
/// subscribed to everything, one away with a persistent session — so the fuzzed client's messages are routed, kept
/// offline and retained.
/// <para>
/// The channel's and the loop's designed refusal is to close the connection (reported, no exception escapes), so an
/// exception escaping them is a finding. So is any exception thrown inside them other than the refusals they are built
/// on — <see cref="BadPacketException"/> and MQTTnet's <see cref="MqttProtocolViolationException"/> — even though the
/// channel turns every decoder failure into a closed connection: a decoder throwing anything else has a bug there.
/// </para>
/// </summary>
sealed class HostPacketTarget : FuzzTarget
{
    /// <summary>The host's defaults: QoS 2, and how long a 3.1.1 session with clean session = 0 outlives its connection.</summary>
    const int MaxQos = 2;
    const uint Mqtt311SessionExpirySeconds = 7 * 24 * 3600;

    /// <summary>The host's default <c>Connections:MaxPacketSize</c>.</summary>
    static readonly int MaxPacketSize = new ConnectionLimitsOptions().MaxPacketSize;

    /// <summary>The host's default MQTT 5 limits (Receive Maximum, topic aliases, keep-alive bound), so the fuzzed bytes
    /// reach the channel's flow control too.</summary>
    static readonly FlowLimits Flow = new ConnectionLimitsOptions().ToFlowLimits();

    /// <summary>The first unexpected exception thrown while the channel reads, or null.</summary>
    Exception? _unexpected;
    bool _reading;

    public HostPacketTarget()
    {
        if (!SerialDriver.IsSerial)
        {
            Console.Error.WriteLine("host-packets: the thread pool could not be reduced to one thread: executions are not reproducible for afl-fuzz");
        }

        AppDomain.CurrentDomain.FirstChanceException += (_, thrown) =>
        {
            if (_reading && _unexpected is null && thrown.Exception is not (BadPacketException or MqttProtocolViolationException))
            {
                _unexpected = thrown.Exception;
            }
        };
    }

    public override string Name => "host-packets";

    public override string[] InstrumentedAssemblies => ["MQTTnet.dll", "EdgeBroker.Host.dll", "EdgeBroker.Core.dll"];

    public override void WriteSeeds(string directory) => MqttSeeds.Write(directory);

    public override void Execute(byte[] input)
    {
        var limits = new OfflineLimits();
        var core = new BrokerCore(new AllowAllPolicy(), new MemoryOfflineStore(limits), new MemorySessionStore(), limits, MaxQos, expectedClients: 16);
        var security = new BrokerSecurity(new SecurityOptions { AllowAnonymous = true }, new MemoryDeviceStore(), new MemoryTokenStore(),
            new CryptoRandomSource());
        var bridge = new CoreBridge(core, security, new RetainedMessages(32, null), Mqtt311SessionExpirySeconds,
            new OutboundQueueOptions().ToLimits(), NullLogger<CoreBridge>.Instance);
        var observer = new FuzzedClientConnection(1);
        core.Connect("observer", true, 0, observer);
        core.Subscribe("observer", "#", 1, false, false, 0);
        var away = new FuzzedClientConnection(2);
        core.Connect("away", false, BrokerCore.NeverExpires, away);
        core.Subscribe("away", "sensors/#", 1, false, false, 0);
        core.Disconnect("away", away, BrokerCore.NeverExpires);

        var stream = new ClientStream(input);
        using var channel = new GuardedChannel(stream, "127.0.0.1", 50000,
            new GuardedChannel.Shared(MaxPacketSize, Flow, new ConnectionProblems(NullLogger.Instance, maxTrackedSources: 16), new ByteCounters()),
            new ConnectionInput(stream, layered: false));
        _unexpected = null;
        _reading = true;
        try
        {
            // The reads complete at once, so the CONNECT is read within the step.
            Task<bool>? connecting = null;
            SerialDriver.Run(() => connecting = channel.ReceiveConnectAsync(Timeout.InfiniteTimeSpan, CancellationToken.None));
            if (Wait(connecting!))
            {
                // Serves until the input ends, then writes what is pending (CONNACK, acknowledgements, DISCONNECT) and
                // closes the connection.
                SerialDriver.Run(() => bridge.Serve(channel));
                Wait(stream.Closed);
            }
        }
        finally
        {
            Task? disconnecting = null;
            SerialDriver.Run(() => disconnecting = channel.DisconnectAsync());
            _reading = false;
            Wait(disconnecting!);
        }

        if (_unexpected is { } unexpected)
        {
            ExceptionDispatchInfo.Throw(unexpected);
        }

        core.Tick(Clock.NowMs(), Clock.MonotonicMs());
        core.ExpireSessions(Clock.NowMs() + 1000L * Mqtt311SessionExpirySeconds + 1);
    }

    /// <summary>Surfaces the exception of a step <see cref="SerialDriver.Run"/> ran to its end (one that has not ended by
    /// then waits here, and afl-fuzz calls the execution a hang).</summary>
    static T Wait<T>(Task<T> task) => task.GetAwaiter().GetResult();

    static void Wait(Task task) => task.GetAwaiter().GetResult();
}
