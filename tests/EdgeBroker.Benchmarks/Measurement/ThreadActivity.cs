using System.Globalization;

namespace EdgeBroker.Benchmarks.Measurement;

/// <summary>
/// A process's threads' time on a core and context switches so far, from /proc/PID/task: each thread's schedstat
/// (nanoseconds on a core, exact where /proc/PID/stat counts 10-ms ticks — an idle broker uses a few ms a second) and
/// its status's voluntary and involuntary switches (a thread that sleeps and is woken switches once). Kept per thread,
/// so that a thread that ends between two readings (an idle thread-pool worker retiring) drops out of the difference
/// instead of taking its whole count off it: what it did in between is lost, a lower bound.
/// </summary>
public sealed class ThreadActivity
{
    readonly Dictionary<int, (long CpuNanoseconds, long Switches)> _threads = [];

    ThreadActivity()
    {
    }

    public static ThreadActivity Of(int processId)
    {
        var activity = new ThreadActivity();
        foreach (var task in Directory.EnumerateDirectories($"/proc/{processId}/task"))
        {
            try
            {
                var cpu = long.Parse(File.ReadAllText(Path.Combine(task, "schedstat")).Split(' ')[0], CultureInfo.InvariantCulture);
                long switches = 0;
                foreach (var line in File.ReadLines(Path.Combine(task, "status")))
                {
                    if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal)
                        || line.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal))
                    {
                        switches += long.Parse(line[(line.IndexOf(':') + 1)..].Trim(), CultureInfo.InvariantCulture);
                    }
                }

                activity._threads[int.Parse(Path.GetFileName(task), CultureInfo.InvariantCulture)] = (cpu, switches);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The thread ended while it was read.
            }
        }

        return activity;
    }

    /// <summary>What the process's threads did per second from <paramref name="earlier"/> to this reading,
    /// <paramref name="elapsed"/> apart: threads in both readings by their difference, threads started since by all
    /// of theirs.</summary>
    public IdleActivity Since(ThreadActivity earlier, TimeSpan elapsed)
    {
        double cpu = 0;
        double switches = 0;
        foreach (var (thread, now) in _threads)
        {
            var before = earlier._threads.GetValueOrDefault(thread);
            cpu += now.CpuNanoseconds - before.CpuNanoseconds;
            switches += now.Switches - before.Switches;
        }

        return new IdleActivity(cpu / 1e6 / elapsed.TotalSeconds, switches / elapsed.TotalSeconds);
    }
}

/// <summary>CPU milliseconds and context switches per second of a process left alone.</summary>
public readonly record struct IdleActivity(double CpuMsPerSecond, double SwitchesPerSecond);
