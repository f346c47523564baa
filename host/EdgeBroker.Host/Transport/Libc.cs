using System.Buffers.Binary;
using System.Net;
using System.Runtime.InteropServices;

namespace EdgeBroker.Host.Transport;

/// <summary>
/// The C library calls the epoll transport makes, with source-generated marshalling (spans are pinned for the call,
/// nothing is copied), and the Linux constants they take. The constants are the generic Linux ABI's, which x86, x64,
/// 32-bit ARM and ARM64 share; <see cref="Reactor.IsSupported"/> keeps every other architecture on .NET's sockets.
/// </summary>
static partial class Libc
{
    const string Library = "libc";

    public const int EAGAIN = 11;
    public const int EINTR = 4;
    public const int EBADF = 9;
    public const int EINVAL = 22;
    public const int ENOTSOCK = 88;
    public const int ENOMEM = 12;
    public const int ENFILE = 23;
    public const int EMFILE = 24;
    public const int ENOBUFS = 105;

    public const int EPOLL_CLOEXEC = 0x80000;
    public const int EPOLL_CTL_ADD = 1;
    public const uint EPOLLIN = 0x001;
    public const uint EPOLLOUT = 0x004;
    public const uint EPOLLERR = 0x008;
    public const uint EPOLLHUP = 0x010;
    public const uint EPOLLRDHUP = 0x2000;
    public const uint EPOLLET = 1u << 31;

    public const int O_CLOEXEC = 0x80000;
    public const int SOCK_NONBLOCK = 0x800;
    public const int SOCK_CLOEXEC = 0x80000;
    public const int MSG_PEEK = 0x2;
    public const int MSG_NOSIGNAL = 0x4000;
    const nuint FIONREAD = 0x541B;
    const int IPPROTO_TCP = 6;
    const int TCP_NODELAY = 1;
    const ushort AF_INET = 2;
    const ushort AF_INET6 = 10;
    const int CLOCK_THREAD_CPUTIME_ID = 3;

    /// <summary>Room for any socket address (<c>struct sockaddr_storage</c>).</summary>
    public const int SocketAddressSize = 128;

    /// <summary>Size of <c>struct epoll_event</c>: packed (12 bytes) on x86 and x64, 8-byte aligned (16) elsewhere.</summary>
    public static readonly int EpollEventSize =
        RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.X86 ? 12 : 16;

    [LibraryImport(Library, SetLastError = true)]
    public static partial int epoll_create1(int flags);

    [LibraryImport(Library, SetLastError = true)]
    private static partial int epoll_ctl(int epfd, int op, int fd, ReadOnlySpan<byte> ev);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int epoll_wait(int epfd, Span<byte> events, int maxevents, int timeout);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int accept4(SafeHandle listener, Span<byte> address, ref int addressLength, int flags);

    [LibraryImport(Library, SetLastError = true)]
    public static partial nint recv(int fd, Span<byte> buffer, nuint length, int flags);

    [LibraryImport(Library, SetLastError = true)]
    public static partial nint send(int fd, ReadOnlySpan<byte> buffer, nuint length, int flags);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport(Library, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int open(string path, int flags);

    [LibraryImport(Library, SetLastError = true)]
    private static partial int ioctl(int fd, nuint request, out int value);

    [LibraryImport(Library, SetLastError = true)]
    private static partial int setsockopt(int fd, int level, int name, in int value, int length);

    [LibraryImport(Library)]
    private static partial int clock_gettime(int clock, out TimeSpec time);

    [LibraryImport(Library, SetLastError = true)]
    private static partial int sched_getaffinity(int pid, nuint size, Span<byte> mask);

    [LibraryImport(Library, SetLastError = true)]
    private static partial int sched_setaffinity(int pid, nuint size, ReadOnlySpan<byte> mask);

    /// <summary>Bytes of a <c>cpu_set_t</c>: glibc's 1,024 CPUs.</summary>
    const int CpuSetSize = 128;

    public static int LastError => Marshal.GetLastPInvokeError();

    /// <summary>Adds <paramref name="fd"/> to the epoll set with <paramref name="events"/>, the descriptor itself as
    /// the event's data; false (errno set) when the kernel refuses.</summary>
    public static bool EpollAdd(int epoll, int fd, uint events)
    {
        Span<byte> ev = stackalloc byte[EpollEventSize];
        MemoryMarshal.Write(ev, events);
        MemoryMarshal.Write(ev[EpollDataOffset..], (ulong)fd);
        return epoll_ctl(epoll, EPOLL_CTL_ADD, fd, ev) == 0;
    }

    /// <summary>The events and descriptor of the <paramref name="index"/>th event <see cref="epoll_wait"/> returned.</summary>
    public static (uint Events, int Fd) EpollEvent(ReadOnlySpan<byte> events, int index)
    {
        var ev = events.Slice(index * EpollEventSize, EpollEventSize);
        return (MemoryMarshal.Read<uint>(ev), (int)MemoryMarshal.Read<ulong>(ev[EpollDataOffset..]));
    }

    /// <summary>Where the event's data (a 64-bit union) starts: right after the 32-bit events, or aligned to 8.</summary>
    static int EpollDataOffset => EpollEventSize - sizeof(ulong);

    /// <summary>Bytes received by the socket and not read yet (<c>FIONREAD</c>).</summary>
    public static int Unread(int fd) =>
        ioctl(fd, FIONREAD, out var unread) == 0 ? unread : throw Failure("ioctl(FIONREAD)", LastError);

    /// <summary>The CPU time the calling thread has run, in nanoseconds (<c>CLOCK_THREAD_CPUTIME_ID</c>, a system call:
    /// the vDSO does not serve it); time it waited for a core or slept does not count.</summary>
    public static long ThreadCpuNanoseconds() =>
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, out var time) == 0 ? (long)time.Seconds * 1_000_000_000 + time.Nanoseconds : 0;

    /// <summary>The CPUs the calling thread may run on (its affinity, inherited from the process: a container's or
    /// <c>taskset</c>'s CPU set), lowest first; empty if the kernel would not say.</summary>
    public static int[] AllowedCpus()
    {
        Span<byte> mask = stackalloc byte[CpuSetSize];
        if (sched_getaffinity(0, CpuSetSize, mask) != 0)
        {
            return [];
        }

        var cpus = new List<int>();
        for (var cpu = 0; cpu < CpuSetSize * 8; cpu++)
        {
            if ((mask[cpu / 8] & (1 << (cpu % 8))) != 0)
            {
                cpus.Add(cpu);
            }
        }

        return [.. cpus];
    }

    /// <summary>Keeps the calling thread to <paramref name="cpu"/> alone; false (errno set) when the kernel refuses.</summary>
    public static bool KeepCallingThreadOn(int cpu)
    {
        Span<byte> mask = stackalloc byte[CpuSetSize];
        mask.Clear();
        mask[cpu / 8] = (byte)(1 << (cpu % 8));
        return sched_setaffinity(0, CpuSetSize, mask) == 0;
    }

    public static void SetNoDelay(int fd)
    {
        if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, 1, sizeof(int)) != 0)
        {
            throw Failure("setsockopt(TCP_NODELAY)", LastError);
        }
    }

    /// <summary>A <c>sockaddr_in</c> or <c>sockaddr_in6</c> as an end point (the family in host order, the port in
    /// network order, as the kernel writes them).</summary>
    public static IPEndPoint EndPointOf(ReadOnlySpan<byte> address)
    {
        var family = MemoryMarshal.Read<ushort>(address);
        var port = BinaryPrimitives.ReadUInt16BigEndian(address[2..]);
        return family switch
        {
            AF_INET => new IPEndPoint(new IPAddress(address.Slice(4, 4)), port),
            AF_INET6 => new IPEndPoint(new IPAddress(address.Slice(8, 16), MemoryMarshal.Read<uint>(address[24..])), port),
            _ => throw new IOException($"a connection from address family {family}"),
        };
    }

    /// <summary><c>struct timespec</c>: two C longs, the word size on every architecture the transport runs on.</summary>
    [StructLayout(LayoutKind.Sequential)]
    struct TimeSpec
    {
        public nint Seconds;
        public nint Nanoseconds;
    }

    /// <summary>A failed call on a connection, as the exception the host's readers and writers take for a lost
    /// connection.</summary>
    public static IOException Failure(string call, int errno) =>
        new($"{call} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
}
