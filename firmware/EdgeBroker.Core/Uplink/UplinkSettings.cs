using System.Collections;

namespace EdgeBroker.Core.Uplink
{
    /// <summary>
    /// One configured uplink as the core needs it: where to connect (an ordered failover list), who the gateway is
    /// upstream, the queue's bounds, the backoff, and the rules. Engines fill it from their configuration (host
    /// appsettings/CLI, device <c>edgebroker.conf</c>); transport details such as TLS files stay with the engine.
    /// </summary>
    public sealed class UplinkSettings
    {
        public const int DefaultInFlightWindow = 16;
        public const int DefaultKeepAliveSeconds = 60;
        public const int DefaultBackoffMinMs = 500;
        public const int DefaultBackoffMaxMs = 60000;
        public const int DefaultMaxQueuedMessages = 100000;
        public const long DefaultMaxQueuedBytes = 64L * 1024 * 1024;
        public const int DefaultMaxProxySessions = 100;

        public UplinkSettings(string name)
        {
            Name = name;
            Addresses = new ArrayList();
            ForwardRules = new ArrayList();
            SubscribeRules = new ArrayList();
            ProxyGroups = new ArrayList();
            MaxProxySessions = DefaultMaxProxySessions;
            AuthMode = UplinkAuthMode.None;
            KeepAliveSeconds = DefaultKeepAliveSeconds;
            InFlightWindow = DefaultInFlightWindow;
            MaxQueuedMessages = DefaultMaxQueuedMessages;
            MaxQueuedBytes = DefaultMaxQueuedBytes;
            FullPolicy = UplinkFullPolicy.DropOldest;
            BackoffMinMs = DefaultBackoffMinMs;
            BackoffMaxMs = DefaultBackoffMaxMs;
            P2PRoutesTopic = RetainedRoutes.DefaultTopic;
            P2PRoutesGraceSeconds = PeerRoutes.DefaultGraceSeconds;
            P2PMaxRoutes = RemoteRoutes.DefaultCapacity;
        }

        /// <summary>Names the uplink in status, logs, <c>$SYS/uplink/{name}/state</c> and its queue in the store.</summary>
        public string Name { get; private set; }

        /// <summary><see cref="UplinkAddress"/>es tried in order; a failed attempt moves on to the next one.</summary>
        public ArrayList Addresses { get; private set; }

        /// <summary>The gateway's client ID upstream; its persistent session there is kept under it.</summary>
        public string ClientId { get; set; }

        public UplinkAuthMode AuthMode { get; set; }

        /// <summary>User name for <see cref="UplinkAuthMode.UserPassword"/>.</summary>
        public string UserName { get; set; }

        /// <summary>Password for <see cref="UplinkAuthMode.UserPassword"/>, the token text for
        /// <see cref="UplinkAuthMode.Token"/>. A secret: never logged.</summary>
        public string Password { get; set; }

        /// <summary>ApsaraMQ AccessKeyId (or DeviceAccessKeyId for DeviceCredential mode).</summary>
        public string AccessKeyId { get; set; }

        /// <summary>ApsaraMQ AccessKeySecret (or DeviceAccessKeySecret). A secret: never logged.</summary>
        public string AccessKeySecret { get; set; }

        /// <summary>ApsaraMQ instance ID.</summary>
        public string InstanceId { get; set; }

        public int KeepAliveSeconds { get; set; }

        /// <summary>How many entries may be sent upstream and not yet acknowledged.</summary>
        public int InFlightWindow { get; set; }

        public int MaxQueuedMessages { get; set; }

        /// <summary>Bound on the queued topic, payload and MQTT 5 properties' bytes (see <see cref="UplinkEntry.Size"/>).</summary>
        public long MaxQueuedBytes { get; set; }

        public UplinkFullPolicy FullPolicy { get; set; }

        public int BackoffMinMs { get; set; }

        public int BackoffMaxMs { get; set; }

        /// <summary>P2P federation (docs/federation.md): P2P messages for clients that are not here go up, envelopes for
        /// this gateway's clients come down, and the clients this broker can reach are announced upstream. Off by
        /// default.</summary>
        public bool P2P { get; set; }

        /// <summary>Group IDs (strings) whose local clients each get a proxy session upstream under their own client ID
        /// (<see cref="ProxySessions"/>); empty: none.</summary>
        public ArrayList ProxyGroups { get; private set; }

        /// <summary>Proxy sessions open at most; a further client of a proxied group gets none.</summary>
        public int MaxProxySessions { get; set; }

        /// <summary>How the gateways learn each other's clients with <see cref="P2P"/> on: announced to an EdgeBroker
        /// upstream (the default), or retained on any upstream (<see cref="RetainedRoutes"/>).</summary>
        public UplinkP2PRoutes P2PRoutes { get; set; }

        /// <summary>The topic retained routes are published under (<see cref="UplinkP2PRoutes.Retained"/>).</summary>
        public string P2PRoutesTopic { get; set; }

        /// <summary>How long the retained routes of a gateway that went offline are still used (<see cref="PeerRoutes"/>).</summary>
        public int P2PRoutesGraceSeconds { get; set; }

        /// <summary>Routes to other gateways' clients kept at most (<see cref="UplinkP2PRoutes.Retained"/>).</summary>
        public int P2PMaxRoutes { get; set; }

        /// <summary><see cref="UplinkRule"/>s with <see cref="UplinkDirection.Forward"/>; the first match decides.</summary>
        public ArrayList ForwardRules { get; private set; }

        /// <summary><see cref="UplinkRule"/>s with <see cref="UplinkDirection.Subscribe"/>; each filter is subscribed upstream.</summary>
        public ArrayList SubscribeRules { get; private set; }

        /// <summary>Adds a rule to the list of its direction.</summary>
        public void AddRule(UplinkRule rule)
        {
            if (rule.Direction == UplinkDirection.Forward)
            {
                ForwardRules.Add(rule);
            }
            else
            {
                SubscribeRules.Add(rule);
            }
        }

        public void AddAddress(UplinkAddress address)
        {
            Addresses.Add(address);
        }
    }
}
