namespace EdgeBroker.Host.Transport;

/// <summary>
/// Descriptors a listener keeps open (on <c>/dev/null</c>) while it accepts connections, and gives back to the process
/// the moment the descriptor table is full: otherwise connections take the last descriptor, and the .NET runtime ends
/// the process ("Out of memory.") when it cannot open one (seen with <c>strace</c>: a new thread opening
/// <c>/proc/self/status</c>). The listener accepts again only once it can take the reserve back with as many
/// descriptors to spare, so accepting stops well before the table is full again.
/// </summary>
/// <param name="count">Descriptors kept in reserve.</param>
sealed class DescriptorReserve(int count) : IDisposable
{
    readonly int[] _held = new int[count];
    bool _isHeld;
    bool _disposed;

    /// <summary>Holds the reserve (true at once while it is held); false, holding nothing, while fewer than twice its
    /// size are free. Throws <see cref="ObjectDisposedException"/> once the listener is closed.</summary>
    public bool TryHold()
    {
        lock (_held)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _isHeld || Take();
        }
    }

    /// <summary>Gives the reserve back for good (the listener closes).</summary>
    public void Dispose()
    {
        lock (_held)
        {
            _disposed = true;
            Release();
        }
    }

    /// <summary>Gives the reserve back (the descriptor table is full).</summary>
    public void Release()
    {
        lock (_held)
        {
            if (!_isHeld)
            {
                return;
            }

            _isHeld = false;
            foreach (var fd in _held)
            {
                Libc.close(fd);
            }
        }
    }

    /// <summary>Opens twice the reserve and keeps half; nothing when not all could be opened. Under the lock.</summary>
    bool Take()
    {
        var opened = new int[2 * _held.Length];
        var count = 0;
        for (; count < opened.Length; count++)
        {
            opened[count] = Libc.open("/dev/null", Libc.O_CLOEXEC);
            if (opened[count] < 0)
            {
                break;
            }
        }

        _isHeld = count == opened.Length;
        for (var i = 0; i < count; i++)
        {
            if (_isHeld && i < _held.Length)
            {
                _held[i] = opened[i];
            }
            else
            {
                Libc.close(opened[i]);
            }
        }

        return _isHeld;
    }
}
