using System.Collections;
using EdgeBroker.Core.Text;
using EdgeBroker.Core.Uplink;

namespace EdgeBroker.Firmware.Relay.Settings
{
    /// <summary>
    /// The gateway's uplink to a cloud broker, as edgebroker.conf sets it, for the core's <see cref="UplinkSettings"/>.
    /// The device has one uplink (one extra socket): <c>uplink = mqtt://HOST:PORT</c> turns it on (several addresses,
    /// comma-separated, are a failover list), <c>uplink_forward</c> and <c>uplink_subscribe</c> list the topic filters
    /// that go up and come down, <c>uplink_client_id</c> names the gateway upstream, <c>uplink_p2p = true</c> federates P2P
    /// over it (docs/federation.md), <c>uplink_p2p_routes = retained</c> learns the other gateways' clients from retained
    /// routes on an upstream that is not an EdgeBroker. The other keys have defaults sized
    /// for the device. Lists are comma-separated.
    /// </summary>
    public sealed class RelayUplinkSettings
    {
        /// <summary>Turns the uplink on; every other key of the uplink is this one's name with a suffix, so they read as one
        /// block in edgebroker.conf and a misspelt one is still recognisably the uplink's.</summary>
        public const string UplinkKey = "uplink";

        const string Prefix = UplinkKey + "_";

        public const string NameKey = Prefix + "name";
        public const string ClientIdKey = Prefix + "client_id";
        public const string ForwardKey = Prefix + "forward";
        public const string SubscribeKey = Prefix + "subscribe";
        public const string ForwardQosKey = Prefix + "forward_qos";
        public const string SubscribeQosKey = Prefix + "subscribe_qos";
        public const string ForwardLocalPrefixKey = Prefix + "forward_local_prefix";
        public const string ForwardRemotePrefixKey = Prefix + "forward_remote_prefix";
        public const string SubscribeRemotePrefixKey = Prefix + "subscribe_remote_prefix";
        public const string SubscribeLocalPrefixKey = Prefix + "subscribe_local_prefix";
        public const string AuthKey = Prefix + "auth";
        public const string UserNameKey = Prefix + "username";
        public const string PasswordKey = Prefix + "password";
        public const string AccessKeyIdKey = Prefix + "access_key_id";
        public const string AccessKeySecretKey = Prefix + "access_key_secret";
        public const string InstanceIdKey = Prefix + "instance_id";
        public const string CaFileKey = Prefix + "ca_file";
        public const string KeepAliveSecondsKey = Prefix + "keep_alive_seconds";
        public const string InFlightKey = Prefix + "inflight";
        public const string MaxQueuedMessagesKey = Prefix + "max_queued_messages";
        public const string MaxQueuedBytesKey = Prefix + "max_queued_bytes";
        public const string FullPolicyKey = Prefix + "full_policy";
        public const string BackoffMinMsKey = Prefix + "backoff_min_ms";
        public const string BackoffMaxMsKey = Prefix + "backoff_max_ms";
        public const string P2PKey = Prefix + "p2p";
        public const string P2PRoutesKey = Prefix + "p2p_routes";
        public const string P2PRoutesTopicKey = Prefix + "p2p_routes_topic";
        public const string P2PMaxRoutesKey = Prefix + "p2p_max_routes";
        public const string P2PRoutesGraceSecondsKey = Prefix + "p2p_routes_grace_seconds";

        /// <summary>The uplink's name unless the file gives one: <c>$SYS/uplink/cloud/state</c>.</summary>
        public const string DefaultName = "cloud";

        /// <summary>Queued entries on the device by default: the index costs 28 bytes of heap an entry.</summary>
        public const int DefaultMaxQueuedMessages = 1000;

        /// <summary>The values of <see cref="AuthKey"/>, in the order of <see cref="UplinkAuthMode"/>.</summary>
        public const string AuthModes = "none,password,signature,token,device";

        /// <summary>The values of <see cref="FullPolicyKey"/>, in the order of <see cref="UplinkFullPolicy"/>.</summary>
        public const string FullPolicies = "drop-oldest,refuse-new";

        /// <summary>The values of <see cref="P2PRoutesKey"/>, in the order of <see cref="UplinkP2PRoutes"/>.</summary>
        public const string P2PRouteModes = "announced,retained";

        /// <summary>The values of <see cref="P2PKey"/>: off, on.</summary>
        const string OffOn = "false,true";

        RelayUplinkSettings(UplinkSettings uplink, string caFile)
        {
            Uplink = uplink;
            CaFile = caFile;
        }

        /// <summary>What the core runs.</summary>
        public UplinkSettings Uplink { get; private set; }

        /// <summary>The CA certificate file (PEM or DER) beside edgebroker.conf for <c>mqtts://</c>, or null.</summary>
        public string CaFile { get; private set; }

        /// <summary>
        /// The uplink <paramref name="file"/> configures, or null when it sets no <see cref="UplinkKey"/> (or sets it
        /// wrongly: the file's <see cref="SettingsFile.Problems"/> then say why). <paramref name="relay"/> sizes the
        /// queue's byte bound by default: half the flash log.
        /// </summary>
        public static RelayUplinkSettings From(SettingsFile file, RelaySettings relay)
        {
            string[] addresses = file.GetList(UplinkKey);
            if (addresses.Length == 0)
            {
                AskForTheOtherKeys(file);
                return null;
            }

            string name = file.Get(NameKey);
            UplinkSettings uplink = new UplinkSettings(name == null ? DefaultName : name);
            int problems = file.Problems.Count;
            for (int i = 0; i < addresses.Length; i++)
            {
                UplinkAddress address = UplinkAddress.Parse(addresses[i]);
                if (address == null)
                {
                    // Refusal never repeats an address that carries a password.
                    file.AddProblem(UplinkKey, UplinkKey + ": " + UplinkAddress.Refusal(addresses[i]));
                }
                else
                {
                    uplink.AddAddress(address);
                }
            }

            uplink.ClientId = file.Get(ClientIdKey);
            AddRules(file, uplink, UplinkDirection.Forward, ForwardKey, ForwardQosKey, ForwardLocalPrefixKey, ForwardRemotePrefixKey);
            AddRules(file, uplink, UplinkDirection.Subscribe, SubscribeKey, SubscribeQosKey, SubscribeLocalPrefixKey, SubscribeRemotePrefixKey);
            uplink.AuthMode = (UplinkAuthMode)Choice(file, AuthKey, AuthModes, (int)UplinkAuthMode.None);
            uplink.UserName = file.Get(UserNameKey);
            uplink.Password = file.Get(PasswordKey);
            uplink.AccessKeyId = file.Get(AccessKeyIdKey);
            uplink.AccessKeySecret = file.Get(AccessKeySecretKey);
            uplink.InstanceId = file.Get(InstanceIdKey);
            uplink.KeepAliveSeconds = file.GetInt(KeepAliveSecondsKey, uplink.KeepAliveSeconds, 0, 65535);
            uplink.InFlightWindow = file.GetInt(InFlightKey, uplink.InFlightWindow, 1, 1000);
            uplink.MaxQueuedMessages = file.GetInt(MaxQueuedMessagesKey, DefaultMaxQueuedMessages, 1, 1000000);
            uplink.MaxQueuedBytes = file.GetInt(MaxQueuedBytesKey, relay.FlashStoreBytes / 2, 1, 16777216);
            uplink.FullPolicy = (UplinkFullPolicy)Choice(file, FullPolicyKey, FullPolicies, (int)UplinkFullPolicy.DropOldest);
            uplink.BackoffMinMs = file.GetInt(BackoffMinMsKey, uplink.BackoffMinMs, 1, 3600000);
            uplink.BackoffMaxMs = file.GetInt(BackoffMaxMsKey, uplink.BackoffMaxMs, 1, 3600000);
            uplink.P2P = Choice(file, P2PKey, OffOn, 0) == 1;
            uplink.P2PRoutes = (UplinkP2PRoutes)Choice(file, P2PRoutesKey, P2PRouteModes, (int)UplinkP2PRoutes.Announced);
            string routesTopic = file.Get(P2PRoutesTopicKey);
            uplink.P2PRoutesTopic = routesTopic == null ? RetainedRoutes.DefaultTopic : routesTopic;

            // The device's budget: by default no more routes to other gateways' clients than it has clients itself.
            uplink.P2PMaxRoutes = file.GetInt(P2PMaxRoutesKey, relay.MaxClients, 1, 1000);
            uplink.P2PRoutesGraceSeconds = file.GetInt(P2PRoutesGraceSecondsKey, PeerRoutes.DefaultGraceSeconds, 0, 604800);
            if (file.Problems.Count > problems)
            {
                return null;
            }

            ArrayList all = new ArrayList();
            all.Add(uplink);
            string error = UplinkConfigCheck.Check(all);
            if (error != null)
            {
                file.Problems.Add(error);
                return null;
            }

            return new RelayUplinkSettings(uplink, file.Get(CaFileKey));
        }

        /// <summary>
        /// Without <see cref="UplinkKey"/> the uplink is off and its other keys are ignored, not unknown: leaving out or
        /// commenting out the one <c>uplink</c> line turns it off with the rest of its configuration kept in the file.
        /// Asking for them keeps a misspelt <c>uplink_…</c> key reported by <see cref="SettingsFile.CheckUnknownKeys"/>.
        /// </summary>
        static void AskForTheOtherKeys(SettingsFile file)
        {
            string[] keys =
            {
                NameKey, ClientIdKey, ForwardKey, SubscribeKey, ForwardQosKey, SubscribeQosKey, ForwardLocalPrefixKey,
                ForwardRemotePrefixKey, SubscribeRemotePrefixKey, SubscribeLocalPrefixKey, AuthKey, UserNameKey, PasswordKey,
                AccessKeyIdKey, AccessKeySecretKey, InstanceIdKey, CaFileKey, KeepAliveSecondsKey, InFlightKey,
                MaxQueuedMessagesKey, MaxQueuedBytesKey, FullPolicyKey, BackoffMinMsKey, BackoffMaxMsKey, P2PKey,
                P2PRoutesKey, P2PRoutesTopicKey, P2PMaxRoutesKey, P2PRoutesGraceSecondsKey,
            };
            for (int i = 0; i < keys.Length; i++)
            {
                file.Get(keys[i]);
            }
        }

        static void AddRules(SettingsFile file, UplinkSettings uplink, UplinkDirection direction, string filtersKey,
            string qosKey, string localPrefixKey, string remotePrefixKey)
        {
            string[] filters = file.GetList(filtersKey);
            int qos = file.GetInt(qosKey, 1, 0, 1);
            string localPrefix = file.Get(localPrefixKey);
            string remotePrefix = file.Get(remotePrefixKey);
            for (int i = 0; i < filters.Length; i++)
            {
                uplink.AddRule(new UplinkRule(direction, filters[i], qos, localPrefix, remotePrefix));
            }
        }

        /// <summary>The index of the value set for <paramref name="key"/> among the comma-separated
        /// <paramref name="choices"/>, or <paramref name="fallback"/> when it is not set; anything else is reported in the
        /// file's problems. (A constant rather than an array: nothing stays on the heap after start.)</summary>
        static int Choice(SettingsFile file, string key, string choices, int fallback)
        {
            string value = file.Get(key);
            if (value == null)
            {
                return fallback;
            }

            int index = SeparatedList.IndexOf(choices, ',', value);
            if (index >= 0)
            {
                return index;
            }

            file.AddProblem(key, key + " = " + value + " is not one of " + choices);
            return fallback;
        }
    }
}
