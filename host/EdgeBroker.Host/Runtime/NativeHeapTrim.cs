using System.Runtime.InteropServices;

namespace EdgeBroker.Host.Runtime;

/// <summary>
/// Gives glibc's free malloc memory back to the operating system. The runtime and the native libraries it loads
/// (the JIT compiling the connection path, SQLite, the runtime's own bookkeeping) malloc and free while a burst of
/// connections arrives; glibc keeps the freed chunks resident inside its per-thread arenas, and returns memory on its
/// own only from the top of an arena, which a chunk still in use usually pins. Measured with 10,000 idle clients, the
/// arenas held 16.4 MB of which 6.9 MB was in use — about 1 KB per connection of resident memory that no garbage
/// collection can reach (docs/performance.md, "The resident slack of idle connections"). <c>malloc_trim(0)</c>
/// releases the free pages in the middle of every arena too. It is glibc's: on another C library, or another
/// operating system, the first call finds no such function and the trim is skipped from then on.
/// </summary>
static partial class NativeHeapTrim
{
    static bool s_unavailable = !OperatingSystem.IsLinux();

    /// <summary>Releases the free pages of every malloc arena; a no-op where glibc's <c>malloc_trim</c> is not
    /// there.</summary>
    public static void Trim()
    {
        if (s_unavailable)
        {
            return;
        }

        try
        {
            malloc_trim(0);
        }
        catch (Exception exception) when (exception is EntryPointNotFoundException or DllNotFoundException)
        {
            s_unavailable = true;
        }
    }

    /// <summary>Keeps <paramref name="pad"/> bytes free at the top of the main arena; returns 1 when memory was
    /// released.</summary>
    [LibraryImport("libc")]
    private static partial int malloc_trim(nuint pad);
}
