using System.Diagnostics;
using EdgeBroker.Benchmarks.Brokers;
using EdgeBroker.Benchmarks.Load;
using EdgeBroker.Benchmarks.Measurement;
using EdgeBroker.EndToEnd.Tests.Infrastructure;

namespace EdgeBroker.Benchmarks.Cases;

/// <summary>
/// What idle clients cost a broker in resident memory, as a user sees it (VmRSS from /proc): a fresh broker, one
/// client connected and gone (so first-connection code has run), settled; then the idle clients (raw TCP,
/// CONNECT/CONNACK, keep-alive off), read again on their arrival and once settled. Settling before the baseline too
/// means a broker that gives memory back when quiet (the host's heap trim) has done so before it is measured, so the
/// difference is the clients' alone. Both settled figures are the median of several readings
/// (<see cref="SettledResident"/>), the clients' taken after <see cref="SettleWithClients"/>, once the host's trim
/// after their arrival and the steps that follow it are over. Used by the Robustness and the Idle cases; the Idle
/// case also asks what the broker does while nothing happens (<see cref="ActivityWindow"/>).
/// </summary>
public static class IdleFootprint
{
    /// <summary>How long a broker is left after its start-up's one client before the baseline's readings.</summary>
    public static readonly TimeSpan Settle = TimeSpan.FromSeconds(10);

    /// <summary>How long a broker is left after the last idle client's CONNACK before the settled readings: the host
    /// trims its heap 5–7 s after the burst, and its resident size still stepped by 1–4 MB until 11–15 s after it
    /// (docs/performance.md, "Idle bytes at 2,000 clients: the reading, not the broker").</summary>
    public static readonly TimeSpan SettleWithClients = TimeSpan.FromSeconds(20);

    /// <summary>How old a broker is before its idle activity is read: the host's JIT recompiles its once-a-second code
    /// about 30 and 60 s after start (docs/performance.md), which is start-up, not idling.</summary>
    public static readonly TimeSpan ActivityAge = TimeSpan.FromSeconds(70);

    /// <summary>How long the idle activity (CPU time and context switches) is read for.</summary>
    public static readonly TimeSpan ActivityWindow = TimeSpan.FromSeconds(20);

    /// <summary>Idle clients connecting at once: the emulator's listen backlog is the device's (4).</summary>
    public static int ConnectBatch(BrokerKind broker) => broker == BrokerKind.Emulator ? 4 : 100;

    /// <param name="readActivity">Whether to read the broker's CPU time and context switches over
    /// <see cref="ActivityWindow"/>, once it has run <see cref="ActivityAge"/>, with the idle clients connected.</param>
    public static async Task<IdleMeasurement> MeasureAsync(IBrokerLauncher launcher, int clients, bool readActivity, CancellationToken cancellationToken)
    {
        await using var broker = await BrokerProcess.StartAsync(launcher, BrokerProfile.ManyClients, cancellationToken).ConfigureAwait(false);
        await (await IdleConnections.OpenAsync(broker.Port, 1, 1, cancellationToken).ConfigureAwait(false)).DisposeAsync().ConfigureAwait(false);
        var before = await SettledResident.ReadAsync(broker, Settle, cancellationToken).ConfigureAwait(false);
        await using var idle = await IdleConnections.OpenAsync(broker.Port, clients, ConnectBatch(launcher.Kind), cancellationToken).ConfigureAwait(false);
        var arrived = ProcessMemory.Of(broker.ProcessId).Resident;
        var settled = await SettledResident.ReadAsync(broker, SettleWithClients, cancellationToken).ConfigureAwait(false);
        IdleActivity? activity = null;
        if (readActivity)
        {
            if (ActivityAge - broker.Age is { Ticks: > 0 } untilOldEnough)
            {
                await Task.Delay(untilOldEnough, cancellationToken).ConfigureAwait(false);
            }

            var start = ThreadActivity.Of(broker.ProcessId);
            var window = Stopwatch.StartNew();
            await Task.Delay(ActivityWindow, cancellationToken).ConfigureAwait(false);
            broker.ThrowIfExited();
            activity = ThreadActivity.Of(broker.ProcessId).Since(start, window.Elapsed);
        }

        return new IdleMeasurement(launcher.Kind, launcher.Name, clients, broker.StartedIn, before.Median, arrived, settled, idle.Accepted, idle.Refused)
        {
            Activity = activity,
        };
    }
}

/// <summary>Idle clients' cost on one broker.</summary>
/// <param name="Wanted">Idle clients the case asked for.</param>
/// <param name="StartedIn">From starting the broker's process to its first accepted TCP connection.</param>
/// <param name="Before">Resident bytes of the settled broker before the idle clients (median of its readings).</param>
/// <param name="OnArrival">Resident bytes as soon as the last idle client's CONNACK arrived.</param>
/// <param name="Settled">Resident bytes from <see cref="IdleFootprint.SettleWithClients"/> later on, the clients still
/// connected: the median of the readings, their lowest and highest.</param>
/// <param name="Clients">Idle clients accepted (CONNACK 0).</param>
/// <param name="Refused">Idle clients refused or not answered.</param>
public sealed record IdleMeasurement(BrokerKind Broker, string BrokerName, int Wanted, TimeSpan StartedIn, long Before, long OnArrival, ResidentReadings Settled, int Clients, int Refused)
{
    /// <summary>The broker's CPU time and context switches per second with the idle clients connected, when read.</summary>
    public IdleActivity? Activity { get; init; }

    public double BytesPerConnection => PerConnection(Settled.Median);

    /// <summary>The lowest and highest settled readings per connection: how much the figure moved while it was read.</summary>
    public (double Lowest, double Highest) BytesPerConnectionRange => (PerConnection(Settled.Lowest), PerConnection(Settled.Highest));

    public double BytesPerConnectionOnArrival => PerConnection(OnArrival);

    public string? Error => Refused > 0 ? $"{Refused:N0} of {Wanted:N0} idle clients were refused" : null;

    double PerConnection(long resident) => Clients > 0 ? (double)(resident - Before) / Clients : double.NaN;
}
