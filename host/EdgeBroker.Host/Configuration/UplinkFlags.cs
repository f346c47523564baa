using System.CommandLine;
using EdgeBroker.Core.Uplink;

namespace EdgeBroker.Host.Configuration;

/// <summary>
/// The command-line form of one uplink (named <see cref="UplinkOptions.CommandLineName"/>): <c>--uplink URL</c>
/// (repeatable: failover addresses in order), <c>--uplink-forward FILTER</c> and <c>--uplink-subscribe FILTER</c>
/// (repeatable; topics keep their names, QoS 1), <c>--uplink-client-id ID</c>, <c>--uplink-p2p</c> (P2P federation),
/// <c>--uplink-p2p-routes announced|retained</c>, <c>--uplink-proxy-group GROUP</c> (repeatable) and
/// <c>--uplink-max-proxy-sessions N</c> (proxy sessions). Everything else — credentials, TLS files,
/// remaps, bounds — is set in the config file's "Uplinks" list.
/// </summary>
sealed class UplinkFlags
{
    readonly Option<string[]> _addresses = new("--uplink")
    {
        Description = "Upstream broker to forward to, mqtt://HOST:PORT or mqtts://HOST:PORT (repeatable: failover order).",
        HelpName = "URL",
    };
    readonly Option<string[]> _forward = new("--uplink-forward")
    {
        Description = "Local topic filter whose messages go to the upstream broker (repeatable).",
        HelpName = "FILTER",
    };
    readonly Option<string[]> _subscribe = new("--uplink-subscribe")
    {
        Description = "Topic filter subscribed on the upstream broker; what arrives is published here (repeatable).",
        HelpName = "FILTER",
    };
    readonly Option<string?> _clientId = new("--uplink-client-id") { Description = "This broker's client ID upstream.", HelpName = "ID" };
    readonly Option<bool> _p2p = new("--uplink-p2p")
    {
        Description = "Federate P2P over the uplink: messages for clients not here go up, envelopes for local clients come down.",
    };

    readonly Option<UplinkP2PRoutes?> _p2pRoutes = new("--uplink-p2p-routes")
    {
        Description = "How gateways learn each other's clients: announced to an EdgeBroker upstream (default), or retained on any upstream (mosquitto, a cloud service).",
        HelpName = "announced|retained",
        CustomParser = FlagValue.Parse<UplinkP2PRoutes?>,
    };
    readonly Option<string[]> _proxyGroups = new("--uplink-proxy-group")
    {
        Description = "Group whose local clients each get a proxy session upstream under their own client ID (repeatable).",
        HelpName = "GROUP",
    };
    readonly Option<int?> _maxProxySessions = new("--uplink-max-proxy-sessions")
    {
        Description = $"Proxy sessions open at most (default {Core.Uplink.UplinkSettings.DefaultMaxProxySessions}).",
        HelpName = "N",
        CustomParser = FlagValue.Parse<int?>,
    };

    public IEnumerable<Option> Options => [_addresses, _forward, _subscribe, _clientId, _p2p, _p2pRoutes, _proxyGroups, _maxProxySessions];

    /// <summary>Adds the given flags to <paramref name="settings"/> as one entry of the Uplinks list.</summary>
    public void AddSettings(ParseResult result, Dictionary<string, string?> settings)
    {
        var addresses = result.GetValue(_addresses) ?? [];
        var forward = result.GetValue(_forward) ?? [];
        var subscribe = result.GetValue(_subscribe) ?? [];
        var clientId = result.GetValue(_clientId);
        var p2p = result.GetValue(_p2p);
        var p2pRoutes = result.GetValue(_p2pRoutes);
        var proxyGroups = result.GetValue(_proxyGroups) ?? [];
        var maxProxySessions = result.GetValue(_maxProxySessions);
        if (addresses.Length == 0 && forward.Length == 0 && subscribe.Length == 0 && clientId is null && !p2p && p2pRoutes is null
            && proxyGroups.Length == 0 && maxProxySessions is null)
        {
            return;
        }

        var entry = CommandLine.FlagEntry($"{BrokerOptions.Section}:{nameof(BrokerOptions.Uplinks)}", 0);
        settings[$"{entry}:{nameof(UplinkOptions.Name)}"] = UplinkOptions.CommandLineName;
        CommandLine.AddList(settings, $"{entry}:{nameof(UplinkOptions.Addresses)}", addresses);
        AddRules(settings, $"{entry}:{nameof(UplinkOptions.Forward)}", forward);
        AddRules(settings, $"{entry}:{nameof(UplinkOptions.Subscribe)}", subscribe);
        if (clientId is not null)
        {
            settings[$"{entry}:{nameof(UplinkOptions.ClientId)}"] = clientId;
        }

        if (p2p)
        {
            settings[$"{entry}:{nameof(UplinkOptions.P2P)}"] = "true";
        }

        if (p2pRoutes is { } routes)
        {
            settings[$"{entry}:{nameof(UplinkOptions.P2PRoutes)}"] = routes.ToString();
        }

        CommandLine.AddList(settings, $"{entry}:{nameof(UplinkOptions.ProxyGroups)}", proxyGroups);
        if (maxProxySessions is { } max)
        {
            settings[$"{entry}:{nameof(UplinkOptions.MaxProxySessions)}"] = max.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    static void AddRules(Dictionary<string, string?> settings, string listKey, string[] filters)
    {
        for (var i = 0; i < filters.Length; i++)
        {
            settings[$"{CommandLine.FlagEntry(listKey, i)}:{nameof(UplinkRuleOptions.Filter)}"] = filters[i];
        }
    }
}
