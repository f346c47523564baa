using System.Globalization;

namespace EdgeBroker.EndToEnd.Tests.Infrastructure;

/// <summary>A process's memory as a user reads it (<c>grep -E 'VmRSS|RssAnon' /proc/PID/status</c>), bytes: resident
/// set size, and the anonymous part of it (heap, stacks), which leaves out pages of mapped files such as the runtime's
/// libraries and assemblies — those grow as code runs for the first time and the OS can drop them. Linux only.</summary>
public readonly record struct ProcessMemory(long Resident, long Anonymous)
{
    public static ProcessMemory Of(int processId)
    {
        long resident = -1, anonymous = -1;
        foreach (var line in File.ReadLines($"/proc/{processId}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                resident = Kilobytes(line);
            }
            else if (line.StartsWith("RssAnon:", StringComparison.Ordinal))
            {
                anonymous = Kilobytes(line);
            }
        }

        return resident >= 0 && anonymous >= 0
            ? new ProcessMemory(resident, anonymous)
            : throw new InvalidOperationException($"/proc/{processId}/status has no VmRSS or RssAnon line");
    }

    public override string ToString() => $"{Resident / 1048576.0:0.0} MB resident ({Anonymous / 1048576.0:0.0} MB anonymous)";

    /// <summary>"VmRSS:    65432 kB"</summary>
    static long Kilobytes(string line) =>
        long.Parse(line[(line.IndexOf(':') + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
}
