using System.Runtime.InteropServices;

namespace EdgeBroker.Host.Runtime;

/// <summary>
/// Ctrl+C (SIGINT) and SIGTERM as one cancellation token for the broker's whole run, from before its settings are read
/// to the end of its stop, so that a stop asked at any moment is a clean stop with exit code 0. Made the broker's own
/// because System.CommandLine's handling does not hold in the first moments: it answered some signals sent as the MQTT
/// port opened with the signal's exit code (130, 143) within 50 ms, the broker still starting, and it answers a stop
/// that takes longer than its timeout (2 s) the same way, returning from Main while the store is still being written
/// (all this is turned off in Program). The Generic Host's console
/// lifetime answers the same signals once the host starts (it stops the application); both lead to the same stop.
/// </summary>
sealed class StopSignal : IDisposable
{
    readonly CancellationTokenSource _requested = new();
    readonly PosixSignalRegistration _interrupt;
    readonly PosixSignalRegistration _terminate;

    public StopSignal()
    {
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Request);
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Request);
    }

    /// <summary>Cancelled by the first SIGINT or SIGTERM.</summary>
    public CancellationToken Token => _requested.Token;

    void Request(PosixSignalContext context)
    {
        // The process is not ended by the signal: the broker stops, then returns from Main.
        context.Cancel = true;
        _requested.Cancel();
    }

    /// <summary>Stops answering the signals. The token source is left undisposed (it holds no timer): a handler already
    /// running as the registrations close may still cancel it.</summary>
    public void Dispose()
    {
        _interrupt.Dispose();
        _terminate.Dispose();
    }
}
