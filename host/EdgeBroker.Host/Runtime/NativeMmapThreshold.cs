using System.Runtime.InteropServices;

namespace EdgeBroker.Host.Runtime;

/// <summary>
/// Has glibc map every allocation of 64 KB or more on its own, so that freeing it unmaps it at once. The runtime's JIT
/// compiles into 64 KB slabs malloc'd from the compiling thread's arena, keeps freed slabs cached in two generations
/// and frees the older one from the finalizer thread at most every 2 s. After a burst of CONNECTs the connection path
/// is re-compiled at tier 1, and its slabs were freed after <see cref="HeapTrim"/>'s <c>malloc_trim</c>, staying
/// resident as free arena chunks: with 10,000 idle clients, 3.5–4.5 MB of resident pages holding nothing in four runs
/// of six, the slabs still cached in the other two (docs/performance.md, "The arena"). Unmapped, a slab is returned
/// whenever it is freed. glibc's own threshold (128 KB, raised to the largest block freed) keeps the slabs in the
/// arenas. Measured, CPU per message is unchanged: a message's path mallocs nothing this large. glibc's
/// <c>mallopt</c> only: elsewhere (musl, another operating system) it is skipped.
/// </summary>
static partial class NativeMmapThreshold
{
    /// <summary>glibc's <c>M_MMAP_THRESHOLD</c>.</summary>
    const int MmapThreshold = -3;

    /// <summary>The JIT's slab size: a slab with glibc's chunk header is just above it.</summary>
    const int Bytes = 64 * 1024;

    /// <summary>Sets the threshold; call first thing at start-up, before the JIT compiles the broker.</summary>
    public static void Apply()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        try
        {
            mallopt(MmapThreshold, Bytes);
        }
        catch (Exception exception) when (exception is EntryPointNotFoundException or DllNotFoundException)
        {
            // Not glibc: nothing of glibc's arenas to keep the slabs out of.
        }
    }

    /// <summary>Sets one of glibc's malloc parameters; returns 1 when it was accepted.</summary>
    [LibraryImport("libc")]
    private static partial int mallopt(int parameter, int value);
}
