using System.Net.Sockets;
using System.Security.Authentication;

namespace EdgeBroker.Host.Uplink;

/// <summary>
/// Whether a failed connection attempt ended with the upstream closing or resetting the connection — what a port that
/// speaks the other of plain MQTT and TLS does — rather than a timeout, a refusal or a certificate that did not pass.
/// One reading for the host's uplink and the emulator's (which links this file).
/// </summary>
static class UpstreamClosed
{
    public static bool Caused(Exception failure)
    {
        for (var cause = failure; cause is not null; cause = cause.InnerException)
        {
            switch (cause)
            {
                case EndOfStreamException:
                case SocketException { SocketErrorCode: SocketError.ConnectionReset or SocketError.ConnectionAborted }:
                    return true;
                case IOException { InnerException: null }:
                    // SslStream: "Received an unexpected EOF or 0 bytes from the transport stream".
                    return true;
                case AuthenticationException { InnerException: null }:
                    // SslStream: "the remote party has closed the transport stream" (a certificate refused has a cause).
                    return cause.Message.Contains("closed", StringComparison.OrdinalIgnoreCase);
            }
        }

        return false;
    }
}
