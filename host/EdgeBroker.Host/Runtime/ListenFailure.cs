using System.Net.Sockets;

namespace EdgeBroker.Host.Runtime;

/// <summary>
/// A listener that could not bind, explained for the user: what went wrong and what to do about it, which depends on the
/// error — a port in use, a port that needs privileges, an address that is not this machine's. The MQTT, MQTT over TLS
/// and HTTP listeners all report it this way and exit with code 3 (ExitCodes.CannotListen); the firmware emulator links
/// this file and says the same.
/// </summary>
static class ListenFailure
{
    /// <summary>What kept a listener from binding and what to do about it (one or two sentences, without the final full
    /// stop), or null when <paramref name="failure"/> is not a bind failure. A socket error without advice of its own is
    /// still said as the system says it, so no bind failure ends in a stack trace.</summary>
    /// <param name="portFlags">The flags that pick the port(s) that failed, for the advice (<c>--port</c>,
    /// <c>--http-port</c>…).</param>
    public static string? Explain(Exception failure, string portFlags) => SocketErrorOf(failure) switch
    {
        null => null,
        SocketError.AddressAlreadyInUse =>
            $"the port is already in use. Stop the other program using it or pick another port with {portFlags}",
        SocketError.AccessDenied =>
            $"permission denied: ports below 1024 need privileges. Pick a port of 1024 or above with {portFlags}, or grant the broker CAP_NET_BIND_SERVICE",
        SocketError.AddressNotAvailable =>
            "the address is not one of this machine's. Check --bind",
        _ => failure.Message,
    };

    /// <summary>The MQTT listeners throw the socket's error itself, and so does Kestrel — except for a port in use, which
    /// it reports as an IOException around its AddressInUseException around the socket's error.</summary>
    static SocketError? SocketErrorOf(Exception failure)
    {
        for (var cause = failure; cause is not null; cause = cause.InnerException)
        {
            if (cause is SocketException socket)
            {
                return socket.SocketErrorCode;
            }
        }

        return null;
    }
}
