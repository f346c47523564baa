using EdgeBroker.Core.Text;

namespace EdgeBroker.Core.Tests.Text;

public class UrlHostTests
{
    [Theory]
    [InlineData("127.0.0.1", 1883, "127.0.0.1:1883")]
    [InlineData("0.0.0.0", 8080, "0.0.0.0:8080")]
    [InlineData("broker.example.com", 8883, "broker.example.com:8883")]
    [InlineData("::1", 1883, "[::1]:1883")]
    [InlineData("::", 8080, "[::]:8080")]
    [InlineData("fe80::1%eth0", 1883, "[fe80::1%eth0]:1883")]
    public void An_ipv6_address_is_bracketed_so_its_colons_do_not_run_into_the_port(string host, int port, string written) =>
        Assert.Equal(written, UrlHost.WithPort(host, port));
}
