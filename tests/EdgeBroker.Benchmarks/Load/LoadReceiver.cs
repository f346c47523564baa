using System.Diagnostics;
using EdgeBroker.Benchmarks.Cases;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeBroker.Benchmarks.Load;

/// <summary>
/// Receiver i of a case: connects as <c>recv-i</c> (its P2P address; with a persistent session in durable cases),
/// subscribes to <c>bench/t/i</c> for pub/sub cases, and counts what arrives into the current phase's
/// <see cref="PhaseTally"/>. MQTTnet acknowledges QoS 1
/// messages after the handler returns, so the handler only stamps and counts.
/// </summary>
public sealed class LoadReceiver : IAsyncDisposable
{
    readonly IMqttClient _client;
    PhaseTally? _tally;
    long _totalReceived;
    long _foreign;
    int _stale;
    long _lastStaleTimestamp;

    LoadReceiver(IMqttClient client, int pair)
    {
        _client = client;
        Pair = pair;
        _client.ApplicationMessageReceivedAsync += OnMessageReceived;
    }

    public int Pair { get; }

    /// <summary>Every message received so far, any phase: the harness waits for it to stop moving between phases.</summary>
    public long TotalReceived => Interlocked.Read(ref _totalReceived);

    /// <summary>Messages whose payload is not a benchmark header (never expected).</summary>
    public long Foreign => Interlocked.Read(ref _foreign);

    public bool IsConnected => _client.IsConnected;

    /// <summary>Messages of another phase (a late one of an earlier phase) received since the current phase began:
    /// a receiver that got none of a phase but many of these was served late, not starved.</summary>
    public int Stale => Volatile.Read(ref _stale);

    /// <summary>Stopwatch timestamp of the last of <see cref="Stale"/>, 0 before the first.</summary>
    public long LastStaleTimestamp => Volatile.Read(ref _lastStaleTimestamp);

    public static async Task<LoadReceiver> ConnectAsync(BenchmarkCase @case, int pair, int port, CancellationToken cancellationToken)
    {
        var connectOptions = LoadClientOptions.For(port, BenchmarkCase.ReceiverClientId(pair), cleanSession: !@case.Durable);
        var client = await LoadClientOptions.ConnectAsync(connectOptions, cancellationToken).ConfigureAwait(false);
        var receiver = new LoadReceiver(client, pair);
        try
        {
            await SubscribeAsync(client, @case, pair, cancellationToken).ConfigureAwait(false);
            return receiver;
        }
        catch
        {
            await receiver.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Subscribes receiver <paramref name="pair"/>'s client to its filter at the case's QoS, for pub/sub
    /// cases (P2P receivers need no subscription), and checks that QoS was granted.</summary>
    public static async Task SubscribeAsync(IMqttClient client, BenchmarkCase @case, int pair, CancellationToken cancellationToken)
    {
        if (@case.ReceiverSubscription(pair) is not { } filter)
        {
            return;
        }

        var options = new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(filter, (MqttQualityOfServiceLevel)@case.Qos)
            .Build();
        var result = await client.SubscribeAsync(options, cancellationToken).ConfigureAwait(false);
        var code = result.Items.Single().ResultCode;
        if ((int)code != @case.Qos)
        {
            throw new InvalidOperationException($"SUBSCRIBE {filter} at QoS {@case.Qos} by {BenchmarkCase.ReceiverClientId(pair)} was answered {code}.");
        }
    }

    /// <summary>Starts counting into <paramref name="tally"/>; messages stamped with another phase are ignored from now on.</summary>
    public void BeginPhase(PhaseTally tally)
    {
        Volatile.Write(ref _tally, tally);
        Volatile.Write(ref _stale, 0);
        Volatile.Write(ref _lastStaleTimestamp, 0);
    }

    public async ValueTask DisposeAsync()
    {
        _client.ApplicationMessageReceivedAsync -= OnMessageReceived;
        await LoadClientOptions.CloseAsync(_client).ConfigureAwait(false);
    }

    Task OnMessageReceived(MqttApplicationMessageReceivedEventArgs args)
    {
        // Stamp first: everything after this line is the harness's cost, not the broker's.
        var receivedTimestamp = Stopwatch.GetTimestamp();
        Interlocked.Increment(ref _totalReceived);
        if (!BenchPayload.TryRead(args.ApplicationMessage.Payload, out var message))
        {
            Interlocked.Increment(ref _foreign);
            return Task.CompletedTask;
        }

        var tally = Volatile.Read(ref _tally);
        if (tally is not null && message.Phase == tally.Phase)
        {
            tally.Count(message, receivedTimestamp);
        }
        else
        {
            Volatile.Write(ref _stale, _stale + 1);
            Volatile.Write(ref _lastStaleTimestamp, receivedTimestamp);
        }

        return Task.CompletedTask;
    }
}
