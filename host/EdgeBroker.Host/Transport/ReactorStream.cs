using System.Threading.Tasks.Sources;

namespace EdgeBroker.Host.Transport;

/// <summary>
/// One accepted connection's non-blocking socket descriptor as a <see cref="Stream"/>, waiting for readiness through
/// the <see cref="Reactor"/>. It replaces, per connection, what .NET's sockets keep (a <c>Socket</c>, its
/// <c>SafeSocketHandle</c>, a <c>SocketAsyncContext</c> with its queues, two cached event-args objects and a
/// <c>NetworkStream</c>, about 1.4 KB) with this one object, which is itself the read's and the write's
/// <see cref="IValueTaskSource"/> and the thread-pool work item that continues them: a wait allocates nothing.
/// <para>
/// A read tries <c>recv</c> at once and, when the socket is empty, parks until the reactor reports it readable; a
/// zero-byte read only waits for data (or the peer's close) and takes nothing, which is how an idle connection waits
/// holding no buffer; right after a read that came back short (the socket drained) it parks without a <c>recv</c>
/// (<see cref="ParksWithoutLooking"/>), which saves the one that would find the socket empty after every packet. A write sends what it can and parks for the rest until the socket is writable. One read and one
/// write may run at the same time (TLS and the packet writer write while the reader waits); a cancelled token or
/// <see cref="Stream.Dispose()"/> ends a parked wait (<see cref="OperationCanceledException"/>,
/// <see cref="ObjectDisposedException"/>). The descriptor is closed exactly once, when it is disposed and no call on it
/// is running (a count of calls in progress, so a descriptor number is never used after it may have been reused).
/// </para>
/// <para>
/// Readiness hands the parked operation to the thread pool, where the system call and the awaiting code's continuation
/// run — unless the owner said its continuations are short and never block (<see cref="ContinueOnReactor"/>, a plain
/// MQTT connection's reader and packet writer): then they run on the reactor's thread that saw the readiness, so a
/// packet that arrives alone costs one wake-up (reactor, then nothing) instead of two (reactor, then a worker).
/// Cancellation and disposal always go through the thread pool (they come from any thread, under any lock).
/// </para>
/// </summary>
sealed class ReactorStream : UnseekableStream, IValueTaskSource<int>, IValueTaskSource, IThreadPoolWorkItem, IReadinessTarget, ISocketInput
{
    /// <summary>No wait parked, and no readiness seen since the operation last tried.</summary>
    const int Idle = 0;

    /// <summary>Readiness was reported while no wait was parked: the next attempt to park tries again instead.</summary>
    const int Ready = 1;

    /// <summary>An operation is parked until readiness, cancellation or disposal.</summary>
    const int Waiting = 2;

    const int ReadBit = 1;
    const int WriteBit = 2;

    /// <summary>The operation could not progress: the socket is not ready.</summary>
    const int Pending = -1;

    /// <summary>In <see cref="_users"/>: disposed (no new call on the descriptor may start).</summary>
    const int ClosedFlag = 1 << 30;

    static readonly Action<object?, CancellationToken> WakeReader = static (stream, _) => ((ReactorStream)stream!).Wake(ReadBit);
    static readonly Action<object?, CancellationToken> WakeWriter = static (stream, _) => ((ReactorStream)stream!).Wake(WriteBit);

    readonly Reactor _reactor;
    readonly int _fd;

    /// <summary>System calls on <see cref="_fd"/> in progress, and <see cref="ClosedFlag"/>.</summary>
    int _users;

    /// <summary>The operations (<see cref="ReadBit"/>, <see cref="WriteBit"/>) handed to the thread pool and not yet
    /// taken by <see cref="Execute"/>.</summary>
    int _scheduled;

    /// <summary>Readiness continues a parked operation on the reactor's thread (<see cref="ContinueOnReactor"/>).</summary>
    bool _onReactor;

    /// <summary>The last read's <c>recv</c> returned fewer bytes than asked: the socket was empty when it returned
    /// (<see cref="ParksWithoutLooking"/>).</summary>
    bool _drained;

    /// <summary>The reactor has reported the peer's close or an error (<c>EPOLLRDHUP</c>, <c>EPOLLHUP</c>,
    /// <c>EPOLLERR</c>): what is left to find out cannot be drained by a read of data, so every read looks.</summary>
    volatile bool _hungUp;

    Operation _reading;
    Operation _writing;
    Memory<byte> _readInto;
    ReadOnlyMemory<byte> _writeRest;

    /// <summary>Takes over <paramref name="fd"/> (connected, non-blocking) and registers it with <paramref name="reactor"/>.</summary>
    public ReactorStream(Reactor reactor, int fd)
    {
        _reactor = reactor;
        _fd = fd;
        _reading.Core.RunContinuationsAsynchronously = false;
        _writing.Core.RunContinuationsAsynchronously = false;
        reactor.Register(fd, this);
    }

    public override bool CanRead => true;

    public override bool CanWrite => true;

    bool IsClosed => (Volatile.Read(ref _users) & ClosedFlag) != 0;

    /// <summary>
    /// From now on readiness continues a parked read or write on the reactor's thread that saw it, not on the thread
    /// pool: for an owner whose continuations only decode, handle and write what arrived and hand anything that may
    /// block or wait to the thread pool themselves (<see cref="Reactor.IsCurrentThread"/>), since every connection of
    /// that reactor waits while they run. Not for a TLS layer (its handshake is long) or code that blocks on a result.
    /// </summary>
    public void ContinueOnReactor() => _onReactor = true;

    /// <summary>Has the read in progress (the one <see cref="ReadAsync(Memory{byte}, CancellationToken)"/> returned
    /// pending) call <paramref name="continuation"/> with <paramref name="state"/> when it completes: what awaiting it
    /// does, without a delegate of the caller's (an idle connection's reader holds none).</summary>
    public void OnReadCompleted(Action<object?> continuation, object state) =>
        _reading.Core.OnCompleted(continuation, state, _reading.Core.Version, ValueTaskSourceOnCompletedFlags.None);

    /// <summary>Bytes received and not yet read (<c>FIONREAD</c>).</summary>
    public int Available
    {
        get
        {
            ObjectDisposedException.ThrowIf(!Enter(), this);
            try
            {
                return Libc.Unread(_fd);
            }
            finally
            {
                Exit();
            }
        }
    }

    /// <summary>The first bytes received and not yet read, copied into <paramref name="into"/> and left unread
    /// (<c>recv</c> with <c>MSG_PEEK</c> on the non-blocking socket); 0 when there are none.</summary>
    public int Peek(Span<byte> into)
    {
        ObjectDisposedException.ThrowIf(!Enter(), this);
        try
        {
            Exception? error = null;
            while (true)
            {
                var peeked = Libc.recv(_fd, into, (nuint)into.Length, Libc.MSG_PEEK);
                if (peeked >= 0)
                {
                    return (int)peeked;
                }

                if (Retry(ref error, "recv(MSG_PEEK)") is { } outcome)
                {
                    return outcome == Pending ? 0 : throw error!;
                }
            }
        }
        finally
        {
            Exit();
        }
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _readInto = buffer;
        if (Start(ReadBit, ref _reading, cancellationToken, out var read, out var error))
        {
            return error is null ? new ValueTask<int>(read) : ValueTask.FromException<int>(error);
        }

        return new ValueTask<int>(this, _reading.Core.Version);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _writeRest = buffer;
        if (Start(WriteBit, ref _writing, cancellationToken, out _, out var error))
        {
            return error is null ? ValueTask.CompletedTask : ValueTask.FromException(error);
        }

        return new ValueTask(this, _writing.Core.Version);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Blocks until the asynchronous read completes: nothing on the host reads synchronously, but a
    /// <see cref="Stream"/> must.</summary>
    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Write(byte[] buffer, int offset, int count) =>
        WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    /// <summary>Nothing to flush: a write completes once the kernel has all its bytes.</summary>
    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Closes the connection (once no system call on it is running) and ends a parked read and write with
    /// <see cref="ObjectDisposedException"/>.</summary>
    protected override void Dispose(bool disposing)
    {
        var before = Interlocked.Or(ref _users, ClosedFlag);
        if ((before & ClosedFlag) == 0)
        {
            _reactor.Unregister(_fd, this);
            if (before == 0)
            {
                Libc.close(_fd);
            }

            Wake(ReadBit);
            Wake(WriteBit);
        }

        base.Dispose(disposing);
    }

    void IReadinessTarget.OnReadiness(uint events)
    {
        if ((events & (Libc.EPOLLRDHUP | Libc.EPOLLHUP | Libc.EPOLLERR)) != 0)
        {
            // Before the signal: a read that sees no readiness since its last look sees this flag.
            _hungUp = true;
        }

        if ((events & (Libc.EPOLLIN | Libc.EPOLLRDHUP | Libc.EPOLLHUP | Libc.EPOLLERR)) != 0)
        {
            Signal(ReadBit, ref _reading);
        }

        if ((events & (Libc.EPOLLOUT | Libc.EPOLLHUP | Libc.EPOLLERR)) != 0)
        {
            Signal(WriteBit, ref _writing);
        }
    }

    /// <summary>Continues the operations readiness, cancellation or disposal woke, on a thread-pool thread; the write
    /// first, whose continuation (the packet writer's next write) is short, then the read, whose continuation runs the
    /// reader's handling of what it read.</summary>
    public void Execute()
    {
        var woken = Interlocked.Exchange(ref _scheduled, 0);
        if ((woken & WriteBit) != 0)
        {
            Continue(WriteBit, ref _writing);
        }

        if ((woken & ReadBit) != 0)
        {
            Continue(ReadBit, ref _reading);
        }
    }

    /// <summary>Begins an operation on the caller's thread; true when it completed there (with
    /// <paramref name="result"/> or <paramref name="error"/>), false when it is parked.</summary>
    bool Start(int bit, ref Operation operation, CancellationToken cancellationToken, out int result, out Exception? error)
    {
        operation.Cancellation = cancellationToken;
        operation.Core.Reset();
        var drained = bit == ReadBit && ParksWithoutLooking();
        if (!drained)
        {
            // Readiness reported before this attempt is seen by it: only what comes after may make a parked wait retry.
            Volatile.Write(ref operation.State, Idle);
        }

        if (!Run(bit, ref operation, woken: false, drained, out result, out error))
        {
            return false;
        }

        End(bit, ref operation);
        return true;
    }

    /// <summary>Continues a woken operation (which <see cref="Wake"/> took out of <see cref="Waiting"/>) and completes
    /// it, unless it has to park again.</summary>
    void Continue(int bit, ref Operation operation)
    {
        if (!Run(bit, ref operation, woken: true, drained: false, out var result, out var error))
        {
            return;
        }

        End(bit, ref operation);
        if (error is null)
        {
            operation.Core.SetResult(result);
        }
        else
        {
            operation.Core.SetException(error);
        }
    }

    /// <summary>Tries the operation until it completes (true) or parks (false) because the socket is not ready and no
    /// readiness came meanwhile. A zero-byte read <paramref name="woken"/> from its wait by readiness completes without
    /// a system call: data, the peer's close or an error is there (the read after it finds out which), and a readiness
    /// that found nothing costs that read an <c>EAGAIN</c> and a wait, never a wrong result. A zero-byte read that
    /// <see cref="ParksWithoutLooking"/> (<paramref name="drained"/>) parks without its first <c>recv</c>.</summary>
    bool Run(int bit, ref Operation operation, bool woken, bool drained, out int result, out Exception? error)
    {
        while (true)
        {
            result = 0;
            if (IsClosed)
            {
                error = new ObjectDisposedException(nameof(ReactorStream));
                return true;
            }

            if (operation.Cancellation.IsCancellationRequested)
            {
                error = new OperationCanceledException(operation.Cancellation);
                return true;
            }

            if (woken && bit == ReadBit && _readInto.IsEmpty)
            {
                error = null;
                return true;
            }

            if (drained)
            {
                // Known empty since the last read: park at once (readiness since then makes the park fail and look).
                drained = false;
                error = null;
            }
            else
            {
                result = Attempt(bit, out error);
                if (result != Pending)
                {
                    return true;
                }
            }

            if (operation.Cancellation.CanBeCanceled && operation.Registration == default)
            {
                operation.Registration = operation.Cancellation.UnsafeRegister(bit == ReadBit ? WakeReader : WakeWriter, this);
            }

            if (Interlocked.CompareExchange(ref operation.State, Waiting, Idle) == Idle)
            {
                // Parked. A cancellation or disposal that came before could not wake it: it wakes itself.
                if (IsClosed || operation.Cancellation.IsCancellationRequested)
                {
                    Wake(bit);
                }

                return false;
            }

            // Readiness arrived since the attempt: try again.
            Volatile.Write(ref operation.State, Idle);
        }
    }

    /// <summary>One system call (or a few, for a write sent in parts) on the descriptor: the bytes read, 0 for a
    /// write sent whole, or <see cref="Pending"/>.</summary>
    int Attempt(int bit, out Exception? error)
    {
        error = null;
        if (!Enter())
        {
            error = new ObjectDisposedException(nameof(ReactorStream));
            return 0;
        }

        try
        {
            return bit == ReadBit ? Receive(ref error) : Send(ref error);
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>A zero-byte read peeks at one byte: it completes (with 0) when data or the peer's close is there, and
    /// takes nothing. A read that returns fewer bytes than asked leaves the socket known to be empty
    /// (<see cref="_drained"/>).</summary>
    int Receive(ref Exception? error)
    {
        var into = _readInto.Span;
        Span<byte> peek = stackalloc byte[1];
        while (true)
        {
            var read = into.IsEmpty ? Libc.recv(_fd, peek, 1, Libc.MSG_PEEK) : Libc.recv(_fd, into, (nuint)into.Length, 0);
            if (read >= 0)
            {
                _drained = read > 0 && read < into.Length;
                return into.IsEmpty ? 0 : (int)read;
            }

            if (Retry(ref error, "recv") is { } outcome)
            {
                return outcome;
            }
        }
    }

    int Send(ref Exception? error)
    {
        while (!_writeRest.IsEmpty)
        {
            var rest = _writeRest.Span;
            var sent = Libc.send(_fd, rest, (nuint)rest.Length, Libc.MSG_NOSIGNAL);
            if (sent >= 0)
            {
                _writeRest = _writeRest[(int)sent..];
            }
            else if (Retry(ref error, "send") is { } outcome)
            {
                return outcome;
            }
        }

        return 0;
    }

    /// <summary>
    /// Whether a zero-byte read may park without a <c>recv</c> (and forgets the last read's result, so at most one
    /// does): the read before it returned fewer bytes than asked, which on a stream socket means it took everything
    /// the kernel held when it returned, and the peer's close or an error has not been reported. What arrives after
    /// that read makes the kernel report a new edge; its readiness, reported after that read began (its
    /// <see cref="Start"/> set the state to <see cref="Idle"/>, and nothing sets it back until this read parks),
    /// leaves the state <see cref="Ready"/>, so the park fails and the read looks after all. The peer's close is no
    /// data a read takes: a read that returns the last data before it leaves it unread, and the edge that announced it
    /// may have come before that read — hence <see cref="_hungUp"/>, set by every such report before its signal.
    /// </summary>
    bool ParksWithoutLooking()
    {
        var drained = _drained;
        _drained = false;
        return drained && _readInto.IsEmpty && !_hungUp;
    }

    /// <summary>After a failed call: null to call again (interrupted by a signal), <see cref="Pending"/> when the socket
    /// is not ready, else 0 with <paramref name="error"/> set.</summary>
    static int? Retry(ref Exception? error, string call)
    {
        var errno = Libc.LastError;
        if (errno == Libc.EINTR)
        {
            return null;
        }

        if (errno == Libc.EAGAIN)
        {
            return Pending;
        }

        error = Libc.Failure(call, errno);
        return 0;
    }

    void End(int bit, ref Operation operation)
    {
        operation.Registration.Unregister();
        operation.Registration = default;
        operation.Cancellation = default;
        if (bit == ReadBit)
        {
            _readInto = default;
        }
        else
        {
            _writeRest = default;
        }
    }

    /// <summary>The reactor reports readiness: a parked operation is woken (continued here, on the reactor's thread,
    /// or handed to the thread pool), else the next attempt to park retries.</summary>
    void Signal(int bit, ref Operation operation)
    {
        var state = Volatile.Read(ref operation.State);
        while (state != Ready)
        {
            var seen = Interlocked.CompareExchange(ref operation.State, state == Waiting ? Idle : Ready, state);
            if (seen == state)
            {
                if (state == Waiting)
                {
                    if (_onReactor && Reactor.ServesHere)
                    {
                        Continue(bit, ref operation);
                    }
                    else
                    {
                        Schedule(bit);
                    }
                }

                return;
            }

            state = seen;
        }
    }

    /// <summary>Takes a parked operation out of its wait (cancellation, disposal) and hands it to the thread pool;
    /// nothing when none is parked.</summary>
    void Wake(int bit)
    {
        ref var operation = ref bit == ReadBit ? ref _reading : ref _writing;
        if (Interlocked.CompareExchange(ref operation.State, Idle, Waiting) == Waiting)
        {
            Schedule(bit);
        }
    }

    void Schedule(int bit)
    {
        if ((Interlocked.Or(ref _scheduled, bit) & (ReadBit | WriteBit)) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    /// <summary>Counts a system call on the descriptor in; false once disposed.</summary>
    bool Enter()
    {
        var users = Volatile.Read(ref _users);
        while ((users & ClosedFlag) == 0)
        {
            var seen = Interlocked.CompareExchange(ref _users, users + 1, users);
            if (seen == users)
            {
                return true;
            }

            users = seen;
        }

        return false;
    }

    /// <summary>Counts a system call out; the last one out after disposal closes the descriptor.</summary>
    void Exit()
    {
        if (Interlocked.Decrement(ref _users) == ClosedFlag)
        {
            Libc.close(_fd);
        }
    }

    int IValueTaskSource<int>.GetResult(short token) => _reading.Core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<int>.GetStatus(short token) => _reading.Core.GetStatus(token);

    void IValueTaskSource<int>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _reading.Core.OnCompleted(continuation, state, token, flags);

    void IValueTaskSource.GetResult(short token) => _writing.Core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _writing.Core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _writing.Core.OnCompleted(continuation, state, token, flags);

    /// <summary>One direction's operation: its wait state, its completion (reset per operation, so a wait allocates
    /// nothing) and the cancellation it listens to while parked.</summary>
    struct Operation
    {
        public int State;
        public ManualResetValueTaskSourceCore<int> Core;
        public CancellationToken Cancellation;
        public CancellationTokenRegistration Registration;
    }
}
