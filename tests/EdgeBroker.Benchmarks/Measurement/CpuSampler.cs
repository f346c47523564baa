using System.Globalization;
using System.Runtime.InteropServices;

namespace EdgeBroker.Benchmarks.Measurement;

/// <summary>
/// Reads CPU time from Linux's /proc: a process's user+system time (utime+stime of /proc/PID/stat) and the whole
/// machine's busy time (/proc/stat). The broker's time per delivered message is the benchmark's cost figure; the
/// machine-wide time shows how much of the two cores something else (the load clients, other builds) took.
/// Resolution is one clock tick (usually 10 ms), small against the seconds each phase runs.
/// </summary>
public static class CpuSampler
{
    const int ScClockTicks = 2; // _SC_CLK_TCK in glibc's <unistd.h>

    static readonly double SecondsPerTick = 1.0 / ClockTicksPerSecond();

    /// <summary>User + system CPU seconds the process has used so far.</summary>
    public static double ProcessCpuSeconds(int processId)
    {
        var stat = File.ReadAllText($"/proc/{processId}/stat");

        // Field 2 (comm) is in parentheses and may contain spaces: count fields from the last ')'.
        var afterCommand = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');

        // afterCommand[0] is field 3 (state), so utime (field 14) and stime (field 15) are at 11 and 12.
        var utime = long.Parse(afterCommand[11], CultureInfo.InvariantCulture);
        var stime = long.Parse(afterCommand[12], CultureInfo.InvariantCulture);
        return (utime + stime) * SecondsPerTick;
    }

    /// <summary>CPU seconds of this harness process so far.</summary>
    public static double OwnCpuSeconds() => ProcessCpuSeconds(Environment.ProcessId);

    /// <summary>Busy CPU seconds of the whole machine (all cores, everything but idle and iowait) so far.</summary>
    public static double MachineBusySeconds()
    {
        using var reader = new StreamReader("/proc/stat");
        var fields = reader.ReadLine()!.Split(' ', StringSplitOptions.RemoveEmptyEntries);

        // "cpu user nice system idle iowait irq softirq steal guest guest_nice"; guest time is already in user.
        long busy = 0;
        for (var i = 1; i < Math.Min(fields.Length, 9); i++)
        {
            if (i is 4 or 5)
            {
                continue;
            }

            busy += long.Parse(fields[i], CultureInfo.InvariantCulture);
        }

        return busy * SecondsPerTick;
    }

    static long ClockTicksPerSecond()
    {
        try
        {
            var ticks = SysConf(ScClockTicks);
            return ticks > 0 ? ticks : 100;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return 100; // USER_HZ is 100 on every mainstream Linux build.
        }
    }

    // DllImport rather than LibraryImport: a blittable long(int) call needs no generated marshalling, and
    // LibraryImport would force unsafe code on the whole project.
    [DllImport("libc", EntryPoint = "sysconf")]
    static extern long SysConf(int name);
}
