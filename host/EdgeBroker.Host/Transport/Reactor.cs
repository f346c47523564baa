using System.Diagnostics;
using System.Runtime.InteropServices;

namespace EdgeBroker.Host.Transport;

/// <summary>
/// The process's one epoll set and the threads that take turns waiting on it (leader/followers): one thread at a time,
/// the leader, waits; it tells each registered descriptor's <see cref="IReadinessTarget"/> what became ready, and the
/// target does its work right there when that work is short (a connection's reader decoding, handling and writing what
/// arrived, <see cref="ReactorStream.ContinueOnReactor"/>), so that one wake-up serves what arrived, as mosquitto's event
/// loop does; anything longer goes to the thread pool.
/// <para>
/// A light load runs on one thread: the leader serves what one wake-up returned and waits again, so packets that
/// arrive together (the 8 publishers of a steady rate whose timers fire together) share one <c>epoll_wait</c>, and no
/// other thread wakes. A load that keeps the leader from waiting (busy: in each of the last two windows of a millisecond
/// or more the set was watched less than half of the time and the leader's thread ran more than half of it; one window
/// alone, or time not watching spent preempted, is not the leader's own work) spreads: the leader hands the wait to a follower (one futex wake) before it
/// serves what it got, so the next readiness is served on another core while it works, and events beyond
/// <see cref="MostEventsServedHere"/> in one wake-up go to the thread pool, whose threads serve them side by side. There
/// is one thread per core (docs/performance.md, "Serving a steady rate on fewer threads").
/// </para>
/// <para>
/// Registrations are edge-triggered, made once per descriptor for reading and writing together, and never changed:
/// a wait costs no <c>epoll_ctl</c> call (one-shot registrations would cost one per wait, two system calls for every
/// packet that finds the socket empty), and the targets keep a "ready since you last tried" flag per direction, so an
/// edge that arrives between a read finding nothing and its wait being parked is not lost — nor one served by another
/// of the threads meanwhile. A descriptor's event carries the descriptor number, looked up in a table indexed by it: an
/// event still in flight for a descriptor that was closed and reused reaches the new connection as a spurious
/// readiness, which costs it one system call that finds nothing, never a wrong completion.
/// </para>
/// </summary>
sealed class Reactor
{
    /// <summary>Events taken per <c>epoll_wait</c>.</summary>
    const int MaxEvents = 256;

    /// <summary>The most events one <c>epoll_wait</c> may return for their work to run on the reactor's thread while
    /// the reactor is busy: more are handed to the thread pool, whose threads serve them side by side, where here they
    /// would wait for each other (docs/performance.md, "Readiness on the reactor's thread").</summary>
    const int MostEventsServedHere = 4;

    /// <summary>The shortest window over which the leader tells whether the load keeps it from waiting.</summary>
    static readonly long BusyWindow = Stopwatch.Frequency / 1000;

    /// <summary>Windows in a row in which the set was watched less than half of the time for the reactor to be busy.</summary>
    const int BusyWindowsInARow = 2;

    /// <summary>The process's reactor, started on first use and running for the life of the process.</summary>
    static readonly Lazy<Reactor> Process = new(() => new Reactor(Math.Max(1, Environment.ProcessorCount)));

    /// <summary>Whether this thread is a reactor's: code that may block (a store's write, a wait) must not run here.</summary>
    [ThreadStatic]
    static bool t_isReactor;

    /// <summary>Whether the events the reactor is telling now are few enough, or the load light enough, for them to be
    /// served on its thread.</summary>
    [ThreadStatic]
    static bool t_servesHere;

    readonly int _epoll;

    /// <summary>Taken to pass the one right to wait on <see cref="_epoll"/>; the followers wait for it here
    /// (<see cref="Monitor.Wait(object)"/>, which blocks at once where a <see cref="SemaphoreSlim"/> would spin and
    /// yield first).</summary>
    readonly object _turns = new();

    /// <summary>Whether a thread holds the right to wait (the leader), under <see cref="_turns"/>.</summary>
    bool _led;

    /// <summary>The threads taking turns: with one, the wait is never handed on.</summary>
    readonly int _threads;

    // The leader's record of the last window and its hand-offs (read and written only by whoever leads; the lock that
    // passes the lead orders them).
    long _windowStart = Stopwatch.GetTimestamp();
    long _watched;
    int _busyWindows;

    /// <summary>The leading thread's CPU time (ns) at the end of the last window, if that window was watched less than
    /// half of the time; -1 otherwise. A thread's clock is its own: <see cref="_ranBy"/> says whose.</summary>
    long _ranAtWindowEnd = -1;
    int _ranBy;

    /// <summary>Times the wait was handed to a follower (tests, measurements).</summary>
    long _handOffs;

    /// <summary>The CPU each thread keeps to (-1 where the kernel refused), when <see cref="PinThreads"/> was set as
    /// the reactor started; null otherwise.</summary>
    readonly int[]? _pinnedCpus;

    /// <summary>Taken to change <see cref="s_targets"/>.</summary>
    static readonly object s_registering = new();

    /// <summary>The target of each registered descriptor, indexed by descriptor; grown (under
    /// <see cref="s_registering"/>) as descriptors get higher, read without a lock by the reactor's threads.</summary>
    static IReadinessTarget?[] s_targets = new IReadinessTarget?[1024];

    Reactor(int threads)
    {
        _epoll = Libc.epoll_create1(Libc.EPOLL_CLOEXEC);
        if (_epoll < 0)
        {
            throw Libc.Failure("epoll_create1", Libc.LastError);
        }

        _threads = threads;
        var cpus = PinThreads ? Libc.AllowedCpus() : [];
        _pinnedCpus = cpus.Length == 0 ? null : new int[threads];

        // A pinned thread keeps itself to its CPU before it first waits, so the set is never watched from elsewhere;
        // the constructor returns once all have, so PinnedCpus says what the kernel did.
        using var pinned = new CountdownEvent(_pinnedCpus is null ? 0 : threads);
        for (var i = 0; i < threads; i++)
        {
            var index = i;
            var cpu = cpus.Length == 0 ? -1 : cpus[i % cpus.Length];
            new Thread(() =>
            {
                if (cpu >= 0)
                {
                    _pinnedCpus![index] = Libc.KeepCallingThreadOn(cpu) ? cpu : -1;
                    pinned.Signal();
                }

                Run();
            }) { IsBackground = true, Name = $"EdgeBroker reactor {i}" }.Start();
        }

        pinned.Wait();
    }

    /// <summary>
    /// Whether the reactor's threads each keep to one CPU of those the process may use (thread i to the i-th), read once
    /// when the reactor starts: the host sets it from <c>PinReactorThreads</c> before its first listener. Off by default:
    /// a thread kept to a CPU that another process is busy on waits for it while another CPU is free
    /// (docs/performance.md, "Pinned reactor threads, and a busy neighbour").
    /// </summary>
    public static bool PinThreads { get; set; }

    /// <summary>The CPU each reactor thread keeps to (-1 where the kernel refused), or null when the threads are not
    /// pinned.</summary>
    public IReadOnlyList<int>? PinnedCpus => _pinnedCpus;

    /// <summary>
    /// Whether this process can use the epoll transport: Linux, on an architecture whose C library ABI
    /// <see cref="Libc"/> is written for. Elsewhere (Windows, macOS) the host accepts connections with .NET's sockets.
    /// </summary>
    public static bool IsSupported => OperatingSystem.IsLinux()
        && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64 or Architecture.Arm or Architecture.X86;

    /// <summary>The process's reactor, which every connection and listener registers with.</summary>
    public static Reactor Shared => Process.Value;

    /// <summary>How many times the wait was handed to a follower since the process started: stays put while a light
    /// load is served on one thread, grows while a load spreads over the threads.</summary>
    public long HandOffs => Interlocked.Read(ref _handOffs);

    /// <summary>Whether the calling thread is a reactor's, where a readiness target's work runs: work that may block or
    /// take long goes to the thread pool from here.</summary>
    public static bool IsCurrentThread => t_isReactor;

    /// <summary>Whether a readiness target told now may do its work on this thread (a reactor's, under a light load or
    /// telling few events), rather than hand it to the thread pool.</summary>
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
            Lead();
            bool handedOn;
            do
            {
                var count = Wait(events);
                handedOn = Busy && _threads > 1;
                if (handedOn)
                {
                    HandOn();
                }

                t_servesHere = !Busy || count <= MostEventsServedHere;
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
            while (!handedOn);
        }
    }

    /// <summary>Whether the load keeps the leader from waiting: the set was watched less than half of the time in each
    /// of the last <see cref="BusyWindowsInARow"/> windows.</summary>
    bool Busy => _busyWindows >= BusyWindowsInARow;

    /// <summary>Waits until no other thread leads, then leads.</summary>
    void Lead()
    {
        lock (_turns)
        {
            while (_led)
            {
                Monitor.Wait(_turns);
            }

            _led = true;
        }
    }

    /// <summary>Gives up the lead and wakes one follower to take it (one futex wake when one sleeps; a thread that
    /// comes back from serving takes it without sleeping when none does).</summary>
    void HandOn()
    {
        _handOffs++;
        lock (_turns)
        {
            _led = false;
            Monitor.Pulse(_turns);
        }
    }

    /// <summary>The leader's <c>epoll_wait</c>: the number of events in <paramref name="events"/>, at least one. Counts
    /// the time it watched the set, and at the end of each window of <see cref="BusyWindow"/> counts the windows in a
    /// row in which it watched less than half of the time and ran more than half of it (<see cref="Busy"/>).</summary>
    int Wait(byte[] events)
    {
        while (true)
        {
            var start = Stopwatch.GetTimestamp();
            var count = Libc.epoll_wait(_epoll, events, MaxEvents, -1);
            var now = Stopwatch.GetTimestamp();
            _watched += now - start;
            var window = now - _windowStart;
            if (window >= BusyWindow)
            {
                CountBusyWindow(window);
                _windowStart = now;
                _watched = 0;
            }

            if (count > 0)
            {
                return count;
            }

            // Only a signal interrupts a wait on a valid epoll set (EINTR); anything else would repeat forever.
            if (count < 0 && Libc.LastError != Libc.EINTR)
            {
                throw Libc.Failure("epoll_wait", Libc.LastError);
            }
        }
    }

    /// <summary>
    /// Counts a window of <paramref name="window"/> ticks that just ended: busy when the set was watched less than half
    /// of it and the leader's thread ran more than half of it. With clients that send each packet alone, every
    /// <c>send</c> wakes a client the kernel tends to run on the leader's core at once, and time preempted kept a
    /// steady 8,000 msg/s from being watched half of the time: bursts of more than four events went to the thread
    /// pool, whose sleeping workers read up to a fifth of the slowest messages (docs/performance.md, "Prompt clients at
    /// 8,000 msg/s"). The thread's CPU time is a system call, asked only at the end of a window watched less than half
    /// of the time and compared with the one asked at the end of the window before; the first such window after one
    /// watched enough only starts the count.
    /// </summary>
    void CountBusyWindow(long window)
    {
        if (2 * _watched >= window)
        {
            _busyWindows = 0;
            _ranAtWindowEnd = -1;
            return;
        }

        var ran = Libc.ThreadCpuNanoseconds();
        var thread = Environment.CurrentManagedThreadId;
        if (_ranAtWindowEnd >= 0 && _ranBy == thread)
        {
            var ranTicks = (ran - _ranAtWindowEnd) * (Stopwatch.Frequency / 1e9);
            _busyWindows = 2 * ranTicks > window ? Math.Min(_busyWindows + 1, BusyWindowsInARow) : 0;
        }

        _ranAtWindowEnd = ran;
        _ranBy = thread;
    }
}
