using System.Net;

namespace EdgeBroker.Host.Mqtt;

/// <summary>The address a connection comes from, as the core's per-address tables key it: an IPv4 client on a
/// dual-mode socket counts as its IPv4 address, the port is left out.</summary>
static class SourceAddress
{
    public static string Of(EndPoint? endPoint) => endPoint switch
    {
        IPEndPoint ip => (ip.Address.IsIPv4MappedToIPv6 ? ip.Address.MapToIPv4() : ip.Address).ToString(),
        null => "unknown",
        _ => endPoint.ToString() ?? "unknown",
    };
}
