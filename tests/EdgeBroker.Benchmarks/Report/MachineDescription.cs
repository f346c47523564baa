using System.Runtime.InteropServices;

namespace EdgeBroker.Benchmarks.Report;

/// <summary>What the numbers were measured on: they mean little without it.</summary>
public static class MachineDescription
{
    public static string Describe()
    {
        var cpu = ReadCpuModel() ?? RuntimeInformation.ProcessArchitecture.ToString();
        var memory = ReadMemory();
        return $"{cpu}, {Environment.ProcessorCount} cores{memory}, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}";
    }

    /// <summary>The 1, 5 and 15 minute load averages: a busy machine (another build) shows here.</summary>
    public static string LoadAverage()
    {
        try
        {
            var fields = File.ReadAllText("/proc/loadavg").Split(' ');
            return $"{fields[0]} / {fields[1]} / {fields[2]}";
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    /// <summary>"/tmp/ (ext4 on /dev/vda)": the file system holding <paramref name="path"/>, from the longest mount
    /// point above it in /proc/mounts (a tmpfs would make store figures meaningless).</summary>
    public static string FileSystemOf(string path)
    {
        try
        {
            var full = Path.GetFullPath(path);
            var mount = File.ReadLines("/proc/mounts")
                .Select(line => line.Split(' '))
                .Where(fields => fields.Length >= 3 && IsUnder(full, fields[1]))
                .MaxBy(fields => fields[1].Length);
            return mount is null ? path : $"{path} ({mount[2]} on {mount[0]})";
        }
        catch (IOException)
        {
            return path;
        }
    }

    static bool IsUnder(string path, string mountPoint) =>
        mountPoint == "/" || path == mountPoint || path.StartsWith(mountPoint.TrimEnd('/') + "/", StringComparison.Ordinal);

    static string? ReadCpuModel()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo")
                .Where(line => line.StartsWith("model name", StringComparison.Ordinal))
                .Select(line => line[(line.IndexOf(':') + 1)..].Trim())
                .FirstOrDefault();
        }
        catch (IOException)
        {
            return null;
        }
    }

    static string ReadMemory()
    {
        try
        {
            var line = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
            var fields = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return fields is { Length: >= 2 } && long.TryParse(fields[1], out var kilobytes)
                ? $", {kilobytes / 1024.0 / 1024.0:0} GiB"
                : string.Empty;
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }
}
