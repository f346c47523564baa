using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace EdgeBroker.Host.Runtime;

/// <summary>Runs the broker's host until it is asked to stop, and stops it the same way whenever that is asked — before,
/// while or after it starts.</summary>
static class HostRun
{
    /// <summary>Starts <paramref name="host"/>, waits for <paramref name="stop"/> (or the host's own stop request), then
    /// stops it. The Generic Host's own <c>RunAsync</c> lets a stop asked during the start escape as an
    /// <see cref="OperationCanceledException"/> (Kestrel's bind is cancelled) and disposes the host without stopping
    /// what had already started (the MQTT listener's orderly stop: sessions back in the store, no wills), and the
    /// program ended with exit code 1 and no word.
    /// Here the cancelled start is followed by the same stop as a full one.</summary>
    public static async Task RunUntilStoppedAsync(this IHost host, CancellationToken stop)
    {
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        try
        {
            await host.StartAsync(stop);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested || lifetime.ApplicationStopping.IsCancellationRequested)
        {
            // Asked to stop while starting: stopped below, the services that had started included.
        }

        // Returns at once when the stop was asked already; stops every hosted service (one that never started has
        // nothing to stop) within the host's ShutdownTimeout.
        await host.WaitForShutdownAsync(stop);
    }
}
