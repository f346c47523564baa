using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace EdgeBroker.Host.Runtime;

/// <summary>
/// The process's resident memory, for <see cref="HeapTrim"/>, which reads it every second. On Linux it comes from
/// <c>/proc/self/statm</c>, opened once and read again from its start into the same buffer: no allocation, and only
/// this class's code runs. <see cref="Environment.WorkingSet"/> opens <c>/proc/self/status</c>, reads it into new
/// strings and parses its text on every call: some 40 framework methods of file, path and UTF-8 code, which the JIT
/// recompiles at their next tiers after their 30th and 60th calls — 30 to 60 s after start, inside a benchmark's
/// measured phase (docs/performance.md, "The once-a-second code compiled before the measured phase"). statm counts
/// the same pages (resident anonymous, file and shared memory) in pages rather than kB. Elsewhere, or when the file
/// cannot be opened or read, <see cref="Environment.WorkingSet"/>.
/// </summary>
sealed partial class ResidentMemory
{
    const string StatmPath = "/proc/self/statm";

    /// <summary>Seven decimal page counts and their separators: well under this.</summary>
    const int StatmBytes = 128;

    readonly SafeFileHandle? _statm = OperatingSystem.IsLinux() ? TryOpen() : null;
    readonly byte[] _buffer = new byte[StatmBytes];
    readonly long _pageSize = Environment.SystemPageSize;

    /// <summary>Resident bytes now.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public unsafe long Bytes()
    {
        if (_statm is { } statm)
        {
            nint read;
            fixed (byte* buffer = _buffer)
            {
                // Offset 0 every time: procfs produces the file afresh for a read from its start.
                read = pread((int)statm.DangerousGetHandle(), buffer, StatmBytes, 0);
            }

            if (read > 0 && ResidentPages(_buffer.AsSpan(0, (int)read)) is var pages and >= 0)
            {
                return pages * _pageSize;
            }
        }

        return Environment.WorkingSet;
    }

    /// <summary>The second of statm's fields (resident pages), or -1 when the text does not start with two decimal
    /// numbers separated by a space. Its own loops rather than <c>IndexOf</c>: a framework method called once a second
    /// is recompiled by the JIT as late as the code around it would have been.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static long ResidentPages(ReadOnlySpan<byte> statm)
    {
        var i = 0;
        while (i < statm.Length && statm[i] != (byte)' ')
        {
            i++;
        }

        if (i == 0 || i == statm.Length)
        {
            return -1;
        }

        var first = ++i;
        long pages = 0;
        for (; i < statm.Length && statm[i] is >= (byte)'0' and <= (byte)'9'; i++)
        {
            pages = pages * 10 + (statm[i] - '0');
        }

        return i == first ? -1 : pages;
    }

    static SafeFileHandle? TryOpen()
    {
        try
        {
            return File.OpenHandle(StatmPath);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // No procfs (a container without /proc): the working set as .NET reads it.
            return null;
        }
    }

    /// <summary>Reads up to <paramref name="count"/> bytes at <paramref name="offset"/>; the bytes read, or -1.</summary>
    [LibraryImport("libc")]
    private static unsafe partial nint pread(int fd, byte* buffer, nuint count, long offset);
}
