using System.Collections.Concurrent;
using System.Diagnostics;

namespace EdgeBroker.Benchmarks.Brokers;

/// <summary>
/// Last line of defence against orphaned brokers: every broker the harness starts is registered here and killed when
/// the harness process exits, whatever the reason (an exception that escaped, Ctrl+C, SIGTERM). The normal path
/// disposes each <see cref="BrokerProcess"/> itself; this only catches what that path missed.
/// </summary>
static class ChildProcessGuard
{
    static readonly ConcurrentDictionary<int, Process> Live = new();

    static ChildProcessGuard()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
        AppDomain.CurrentDomain.UnhandledException += (_, _) => KillAll();
    }

    public static void Register(Process process) => Live[process.Id] = process;

    public static void Unregister(Process process) => Live.TryRemove(process.Id, out _);

    static void KillAll()
    {
        foreach (var process in Live.Values)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
        }
    }
}
