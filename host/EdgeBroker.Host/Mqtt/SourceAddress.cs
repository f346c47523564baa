using System.Globalization;
using System.Net;

namespace EdgeBroker.Host.Mqtt;

/// <summary>The address a connection comes from, as the core's per-address tables key it: an IPv4 client on a
/// dual-mode socket counts as its IPv4 address, the port is left out.</summary>
static class SourceAddress
{
    public static string Of(EndPoint? endPoint) => endPoint switch
    {
        IPEndPoint ip => Of(ip.Address),
        null => "unknown",
        _ => endPoint.ToString() ?? "unknown",
    };

    /// <summary>An address as <see cref="Of(EndPoint?)"/> gives it (an HTTP request's remote address, which comes without
    /// its end point).</summary>
    public static string Of(IPAddress? address) => address is null ? "unknown" : Unmapped(address).ToString();

    /// <summary>An IPv4 peer of a dual-mode socket as the IPv4 address it is, so it counts as one address.</summary>
    public static IPAddress Unmapped(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    /// <summary>The port of <paramref name="endPoint"/>, 0 for one without.</summary>
    public static int PortOf(EndPoint? endPoint) => endPoint is IPEndPoint ip ? ip.Port : 0;

    /// <summary>An address as <see cref="Of"/> gives it with its port, as <see cref="IPEndPoint.ToString"/> writes them
    /// (<c>192.168.1.7:50312</c>, <c>[fe80::1]:50312</c>); the address alone when there is no port.</summary>
    public static string WithPort(string address, int port) =>
        port == 0 ? address
        : address.Contains(':') ? "[" + address + "]:" + port.ToString(CultureInfo.InvariantCulture)
        : address + ":" + port.ToString(CultureInfo.InvariantCulture);
}
