using System.Globalization;
using EdgeBroker.EndToEnd.Tests.Infrastructure;

namespace EdgeBroker.Benchmarks.Measurement;

/// <summary>A process's resident memory as a user sees it (VmRSS in /proc/PID/status, Linux), sampled in the
/// background so a short peak is not missed.</summary>
public sealed class ResidentMemory : IAsyncDisposable
{
    readonly int _processId;
    readonly CancellationTokenSource _stop = new();
    readonly Task _sampling;
    long _peakBytes;

    ResidentMemory(int processId, TimeSpan interval)
    {
        _processId = processId;
        _sampling = SampleAsync(interval);
    }

    /// <summary>Highest resident size seen since <see cref="StartSampling"/>.</summary>
    public long PeakBytes => Interlocked.Read(ref _peakBytes);

    public static ResidentMemory StartSampling(int processId, TimeSpan interval) => new(processId, interval);

    /// <summary>The resident size now, in bytes; 0 when the process is gone.</summary>
    public static long Of(int processId)
    {
        try
        {
            return ProcessMemory.Of(processId).Resident;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary><paramref name="bytes"/> in MB with one decimal, for reports and progress lines.</summary>
    public static string Megabytes(long bytes) => (bytes / (1024.0 * 1024)).ToString("N1", CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _sampling.ConfigureAwait(false);
        _stop.Dispose();
    }

    async Task SampleAsync(TimeSpan interval)
    {
        while (!_stop.IsCancellationRequested)
        {
            var now = Of(_processId);
            if (now > Interlocked.Read(ref _peakBytes))
            {
                Interlocked.Exchange(ref _peakBytes, now);
            }

            try
            {
                await Task.Delay(interval, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
