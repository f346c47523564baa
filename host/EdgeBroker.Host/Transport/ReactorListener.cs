using System.Net.Sockets;

namespace EdgeBroker.Host.Transport;

/// <summary>
/// The Linux transport's listener (see <see cref="ConnectionListener"/>): the listening socket stays a .NET
/// <see cref="Socket"/> (one per listener), switched to non-blocking and registered with the <see cref="Reactor"/>;
/// connections are accepted with <c>accept4</c> as non-blocking descriptors and become <see cref="ReactorStream"/>s
/// on the process's one reactor (<see cref="Reactor.Shared"/>). The peer's address comes with
/// <c>accept4</c>; the local one is not asked for (nothing reads it), which saves a system call per connection.
/// A full descriptor table pauses accepting (the caller waits after the <see cref="SocketException"/>) and frees the
/// listener's <see cref="DescriptorReserve"/> for the rest of the process until enough descriptors are free again.
/// </summary>
sealed class ReactorListener : ConnectionListener, IReadinessTarget
{
    /// <summary>Descriptors kept back from connections for the rest of the process.</summary>
    const int Reserve = 16;

    /// <summary>The reactor that reports the listening socket's readiness.</summary>
    readonly Reactor _reactor;
    readonly bool _noDelay;
    readonly int _fd;
    readonly object _sync = new();
    readonly DescriptorReserve _reserve = new(Reserve);

    /// <summary>Readiness reported while no accept waited for it.</summary>
    bool _ready;

    TaskCompletionSource? _waiter;

    public ReactorListener(Socket listener, bool noDelay, Reactor reactor)
        : base(listener)
    {
        _reactor = reactor;
        _noDelay = noDelay;
        listener.Blocking = false;
        _fd = (int)listener.Handle;
        reactor.Register(_fd, this);
    }

    public override async ValueTask<AcceptedConnection> AcceptAsync(CancellationToken cancellationToken)
    {
        var address = new byte[Libc.SocketAddressSize];
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!_reserve.TryHold())
            {
                throw new SocketException((int)SocketError.TooManyOpenSockets);
            }

            var length = address.Length;
            var fd = Libc.accept4(Listener.SafeHandle, address, ref length, Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC);
            if (fd >= 0)
            {
                if (Accepted(fd, address.AsSpan(0, length)) is { } connection)
                {
                    return connection;
                }

                continue;
            }

            switch (Libc.LastError)
            {
                case Libc.EAGAIN:
                    await WaitAsync(cancellationToken).ConfigureAwait(false);
                    break;
                case Libc.EMFILE or Libc.ENFILE or Libc.ENOBUFS or Libc.ENOMEM:
                    _reserve.Release();
                    throw new SocketException((int)SocketError.TooManyOpenSockets);
                case var errno when ListenerClosed(errno):
                    throw new ObjectDisposedException(nameof(ReactorListener));

                // Anything else concerns the one connection being accepted (reset before it was taken, EINTR): the next.
            }
        }
    }

    public override void Dispose()
    {
        _reactor.Unregister(_fd, this);
        base.Dispose();
        _reserve.Dispose();
        TaskCompletionSource? waiter;
        lock (_sync)
        {
            waiter = _waiter;
            _waiter = null;
        }

        waiter?.TrySetException(new ObjectDisposedException(nameof(ReactorListener)));
    }

    void IReadinessTarget.OnReadiness(uint events)
    {
        TaskCompletionSource? waiter;
        lock (_sync)
        {
            waiter = _waiter;
            _waiter = null;
            _ready = waiter is null;
        }

        waiter?.TrySetResult();
    }

    /// <summary>Completes when a connection may be waiting (at once if readiness was reported since the last wait).</summary>
    Task WaitAsync(CancellationToken cancellationToken)
    {
        lock (_sync)
        {
            if (_ready)
            {
                _ready = false;
                return Task.CompletedTask;
            }

            _waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _waiter.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>The accepted descriptor as a connection; null (the descriptor closed) when it failed before it could be
    /// set up, as a connection reset right after its handshake does.</summary>
    AcceptedConnection? Accepted(int fd, ReadOnlySpan<byte> address)
    {
        try
        {
            var remote = Libc.EndPointOf(address);
            if (_noDelay)
            {
                Libc.SetNoDelay(fd);
            }

            var stream = new ReactorStream(Reactor.Shared, fd);
            return new AcceptedConnection(stream, stream, remote);
        }
        catch (IOException)
        {
            Libc.close(fd);
            return null;
        }
    }

    /// <summary>The listening socket is gone (closed while accepting).</summary>
    static bool ListenerClosed(int errno) => errno is Libc.EBADF or Libc.EINVAL or Libc.ENOTSOCK;
}
