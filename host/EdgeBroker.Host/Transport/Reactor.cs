using System.Runtime.InteropServices;

namespace EdgeBroker.Host.Transport;

/// <summary>
/// One epoll set and the one thread that waits on it: it tells each registered descriptor's
/// <see cref="IReadinessTarget"/> what became ready, and the target does its work right there when that work is short
/// (a connection's reader decoding, handling and writing what arrived, <see cref="ReactorStream.ContinueOnReactor"/>),
/// so that one wake-up serves a packet, as mosquitto's event loop does; anything longer goes to the thread pool. The
/// process has one reactor per core (<see cref="Next"/>, connections assigned in turn as they are accepted), so a load
/// served on the reactors' threads is not held to one core.
/// <para>
/// Registrations are edge-triggered, made once per descriptor for reading and writing together, and never changed:
/// a wait costs no <c>epoll_ctl</c> call (one-shot registrations would cost one per wait, two system calls for every
/// packet that finds the socket empty), and the targets keep a "ready since you last tried" flag per direction, so an
/// edge that arrives between a read finding nothing and its wait being parked is not lost. A descriptor's event
/// carries the descriptor number, looked up in a table indexed by it: an event still in flight for a descriptor that
/// was closed and reused reaches the new connection as a spurious readiness, which costs it one system call that
/// finds nothing, never a wrong completion.
/// </para>
/// </summary>
sealed class Reactor
{
    /// <summary>Events taken per <c>epoll_wait</c>.</summary>
    const int MaxEvents = 256;

    /// <summary>The most events one <c>epoll_wait</c> may return for their work to run on the reactor's thread: a
    /// reactor that finds more is under load and hands them to the thread pool, whose threads serve them side by side,
    /// where here they would wait for each other (docs/performance.md, "Readiness on the reactor's thread").</summary>
    const int MostEventsServedHere = 4;

    /// <summary>The process's reactors, one per core, started on first use and running for the life of the process.</summary>
    static readonly Lazy<Reactor[]> Reactors = new(() =>
    {
        var reactors = new Reactor[Math.Max(1, Environment.ProcessorCount)];
        for (var i = 0; i < reactors.Length; i++)
        {
            reactors[i] = new Reactor(i);
        }

        return reactors;
    });

    /// <summary>Whether this thread is a reactor's: code that may block (a store's write, a wait) must not run here.</summary>
    [ThreadStatic]
    static bool t_isReactor;

    /// <summary>Whether the events the reactor is telling now are few enough to be served on its thread.</summary>
    [ThreadStatic]
    static bool t_servesHere;

    static int s_turn;

    readonly int _epoll;
    /// <summary>Taken to change <see cref="s_targets"/>.</summary>
    static readonly object s_registering = new();

    /// <summary>The target of each registered descriptor, indexed by descriptor, one table for every reactor (a
    /// descriptor number is the process's, registered with one reactor); grown (under <see cref="s_registering"/>) as
    /// descriptors get higher, read without a lock by the reactors' threads.</summary>
    static IReadinessTarget?[] s_targets = new IReadinessTarget?[1024];

    Reactor(int number)
    {
        _epoll = Libc.epoll_create1(Libc.EPOLL_CLOEXEC);
        if (_epoll < 0)
        {
            throw Libc.Failure("epoll_create1", Libc.LastError);
        }

        new Thread(Run) { IsBackground = true, Name = $"EdgeBroker reactor {number}" }.Start();
    }

    /// <summary>
    /// Whether this process can use the epoll transport: Linux, on an architecture whose C library ABI
    /// <see cref="Libc"/> is written for. Elsewhere (Windows, macOS) the host accepts connections with .NET's sockets.
    /// </summary>
    public static bool IsSupported => OperatingSystem.IsLinux()
        && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64 or Architecture.Arm or Architecture.X86;

    /// <summary>The reactor whose turn it is: each new connection goes to the next one, so connections spread evenly
    /// over the reactors (and cores).</summary>
    public static Reactor Next()
    {
        var reactors = Reactors.Value;
        return reactors[(int)((uint)Interlocked.Increment(ref s_turn) % (uint)reactors.Length)];
    }

    /// <summary>Whether the calling thread is a reactor's, where a readiness target's work runs: work that may block or
    /// take long goes to the thread pool from here.</summary>
    public static bool IsCurrentThread => t_isReactor;

    /// <summary>Whether a readiness target told now may do its work on this thread (a reactor's, telling few events),
    /// rather than hand it to the thread pool.</summary>
    public static bool ServesHere => t_servesHere;

    /// <summary>Tells <paramref name="target"/> from now on when <paramref name="fd"/> becomes readable or writable (or
    /// hung up). Closing the descriptor ends its registration; <see cref="Unregister"/> must come before.</summary>
    public void Register(int fd, IReadinessTarget target)
    {
        lock (s_registering)
        {
            if (fd >= s_targets.Length)
            {
                var bigger = new IReadinessTarget?[Math.Max(fd + 1, 2 * s_targets.Length)];
                s_targets.CopyTo(bigger, 0);
                Volatile.Write(ref s_targets, bigger);
            }

            Volatile.Write(ref s_targets[fd], target);
        }

        if (!Libc.EpollAdd(_epoll, fd, Libc.EPOLLIN | Libc.EPOLLOUT | Libc.EPOLLRDHUP | Libc.EPOLLET))
        {
            var errno = Libc.LastError;
            Unregister(fd, target);
            throw Libc.Failure("epoll_ctl", errno);
        }
    }

    /// <summary>Stops telling <paramref name="target"/> about <paramref name="fd"/> (unless the descriptor is already
    /// another target's).</summary>
    public void Unregister(int fd, IReadinessTarget target)
    {
        lock (s_registering)
        {
            if (fd < s_targets.Length && s_targets[fd] == target)
            {
                s_targets[fd] = null;
            }
        }
    }

    void Run()
    {
        t_isReactor = true;
        var events = new byte[MaxEvents * Libc.EpollEventSize];
        while (true)
        {
            var count = Libc.epoll_wait(_epoll, events, MaxEvents, -1);
            if (count < 0)
            {
                // Only a signal interrupts a wait on a valid epoll set (EINTR); anything else would repeat forever.
                if (Libc.LastError == Libc.EINTR)
                {
                    continue;
                }

                throw Libc.Failure("epoll_wait", Libc.LastError);
            }

            t_servesHere = count <= MostEventsServedHere;
            for (var i = 0; i < count; i++)
            {
                var (ready, fd) = Libc.EpollEvent(events, i);
                var targets = Volatile.Read(ref s_targets);
                if (fd < targets.Length && Volatile.Read(ref targets[fd]) is { } target)
                {
                    target.OnReadiness(ready);
                }
            }
        }
    }
}
