extern alias host;

using System.Net.Sockets;
using host::EdgeBroker.Host.Runtime;
using Microsoft.AspNetCore.Connections;

namespace EdgeBroker.EndToEnd.Tests.Program;

/// <summary>The advice a listener that cannot bind gives follows the error, for the errors a test cannot always provoke
/// (a port below 1024 needs a user without the privilege), in both shapes the errors arrive in: the socket's own error
/// (the MQTT listeners, and Kestrel for most errors) and Kestrel's IOException around a port in use.</summary>
public sealed class ListenFailureTests
{
    [Fact]
    public void A_port_in_use_says_to_stop_the_other_program_or_pick_another_port()
    {
        const string Expected = "the port is already in use. Stop the other program using it or pick another port with --http-port";

        Assert.Equal(Expected, ListenFailure.Explain(new SocketException((int)SocketError.AddressAlreadyInUse), "--http-port"));
        Assert.Equal(Expected, ListenFailure.Explain(
            new IOException("Failed to bind", new AddressInUseException("in use", new SocketException((int)SocketError.AddressAlreadyInUse))),
            "--http-port"));
    }

    [Fact]
    public void Permission_denied_says_low_ports_need_privileges()
    {
        var explanation = ListenFailure.Explain(new SocketException((int)SocketError.AccessDenied), "--port");

        Assert.Equal("permission denied: ports below 1024 need privileges. Pick a port of 1024 or above with --port, " +
            "or grant the broker CAP_NET_BIND_SERVICE", explanation);
    }

    [Fact]
    public void An_address_not_available_says_to_check_the_bind_address()
    {
        var explanation = ListenFailure.Explain(new SocketException((int)SocketError.AddressNotAvailable), "--port");

        Assert.Equal("the address is not one of this machine's. Check --bind", explanation);
    }

    [Fact]
    public void Another_socket_error_is_said_as_the_system_says_it()
    {
        var error = new SocketException((int)SocketError.NetworkUnreachable);

        Assert.Equal(error.Message, ListenFailure.Explain(error, "--port"));
    }

    [Fact]
    public void Other_failures_are_not_taken_for_a_listener_that_cannot_bind()
    {
        Assert.Null(ListenFailure.Explain(new IOException("disk full"), "--port"));
        Assert.Null(ListenFailure.Explain(new InvalidOperationException("something else"), "--port"));
    }
}
