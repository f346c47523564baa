using EdgeBroker.Host.Mqtt;
using System.Net;

namespace EdgeBroker.Host.Http;

/// <summary>
/// The HTTP port's places for open connections: <paramref name="max"/> in all, at most <paramref name="maxPerAddress"/>
/// of them from one address, and the last <paramref name="maxPerAddress"/> (at most half of them) kept for this
/// machine's own connections (loopback) — so one peer holding idle sockets takes one address's share, not every place,
/// and however many addresses fill the rest, the operator's command line on the gateway, or a reverse proxy in front of
/// the API, still gets in. 0 turns a limit off. Thread-safe; one entry per address with a connection open, so it is
/// bounded by <paramref name="max"/>.
/// </summary>
sealed class HttpConnectionSlots(int max, int maxPerAddress)
{
    /// <summary>Places only loopback connections may take.</summary>
    readonly int _keptForLoopback = max > 0 ? Math.Min(maxPerAddress, max / 2) : 0;

    readonly object _sync = new();
    readonly Dictionary<IPAddress, int> _openByAddress = [];
    int _open;
    int _openFromElsewhere;

    /// <summary>Takes a place for a connection from <paramref name="address"/> (null when unknown), or says which limit
    /// is reached. A place taken must be given back (<see cref="Release"/>).</summary>
    public string? TryTake(IPAddress? address)
    {
        address = address is null ? null : SourceAddress.Unmapped(address);
        var local = address is not null && IPAddress.IsLoopback(address);
        lock (_sync)
        {
            if (max > 0 && _open >= max)
            {
                return $"{max} HTTP connections were open already (HttpMaxConnections)";
            }

            if (!local && _keptForLoopback > 0 && _openFromElsewhere >= max - _keptForLoopback)
            {
                return $"{_openFromElsewhere} HTTP connections from other machines were open already: the last " +
                    $"{_keptForLoopback} of HttpMaxConnections ({max}) are kept for this machine's own";
            }

            var fromAddress = address is null ? 0 : _openByAddress.GetValueOrDefault(address);
            if (maxPerAddress > 0 && fromAddress >= maxPerAddress)
            {
                return $"{maxPerAddress} HTTP connections from this address were open already (HttpMaxConnectionsPerAddress)";
            }

            _open++;
            _openFromElsewhere += local ? 0 : 1;
            if (address is not null)
            {
                _openByAddress[address] = fromAddress + 1;
            }

            return null;
        }
    }

    public void Release(IPAddress? address)
    {
        address = address is null ? null : SourceAddress.Unmapped(address);
        var local = address is not null && IPAddress.IsLoopback(address);
        lock (_sync)
        {
            _open--;
            _openFromElsewhere -= local ? 0 : 1;
            if (address is not null && _openByAddress.Remove(address, out var fromAddress) && fromAddress > 1)
            {
                _openByAddress[address] = fromAddress - 1;
            }
        }
    }
}
