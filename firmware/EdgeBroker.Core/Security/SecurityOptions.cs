using EdgeBroker.Core.Collections;

namespace EdgeBroker.Core.Security
{
    /// <summary>
    /// The security configuration the engine reads from its settings (host: appsettings; device: its config file)
    /// and hands to <see cref="BrokerSecurity"/>. Treat it as read-only once the broker runs.
    /// </summary>
    public sealed class SecurityOptions
    {
        public const int DefaultPairingWindowSeconds = 120;

        /// <summary>A window pairs what the operator came to pair: one device per button press or request unless it asks
        /// for more. Without a count, one peer on the LAN paired 600 device IDs in one 120 s window and filled the
        /// gateway's flash store for good.</summary>
        public const int DefaultPairingDevicesPerWindow = 1;

        /// <summary>Paired devices (not revoked) a broker keeps at most: a gateway's sensors, with room to spare. The
        /// device sets its own, lower one (<c>max_paired_devices</c>).</summary>
        public const int DefaultMaxPairedDevices = 1000;

        /// <summary>How lines both engines log name <see cref="MaxPairedDevices"/>: the host's setting, then the device's.</summary>
        public const string MaxPairedDevicesSetting = "Security:MaxPairedDevices (max_paired_devices in edgebroker.conf)";

        /// <summary>Every ID of the ApsaraMQ/TDMQ form (at most 64 characters there) and every UUID- or MAC-based one
        /// fits, while a stored session, a log line or a presence event stays small; MQTT lets a broker refuse IDs it
        /// will not keep [MQTT-3.1.3-5] but must take 1 to 23 characters, hence the lower bound.</summary>
        public const int DefaultMaxClientIdLength = 256;
        public const int MinMaxClientIdLength = 23;
        public const int MaxMaxClientIdLength = 65535;

        /// <summary>How lines both engines log name <see cref="MaxClientIdLength"/>: the host's setting, then the device's.</summary>
        public const string MaxClientIdLengthSetting = "Security:MaxClientIdLength (max_client_id_length in edgebroker.conf)";

        /// <summary>How lines both engines log name <see cref="P2PGateways"/>: the host's setting, then the device's.</summary>
        public const string P2PGatewaysSetting = "P2PGateways (p2p_gateways in edgebroker.conf)";

        /// <summary>How lines both engines log name <see cref="P2PWithinGroupsOnly"/>: the host's setting, then the device's.</summary>
        public const string P2PWithinGroupsOnlySetting = "Security:P2PWithinGroupsOnly (p2p_within_groups_only in edgebroker.conf)";

        readonly StringMap _accessKeys = new StringMap(16);
        readonly StringMap _groupRules = new StringMap(16);
        readonly StringMap _deviceRules = new StringMap(16);

        public SecurityOptions()
        {
            ApplicationGroups = new string[0];
            SysSubscribers = new string[0];
            P2PGateways = new string[0];
            DefaultRule = AccessRule.Unrestricted();
            PairingWindowSeconds = DefaultPairingWindowSeconds;
            PairingDevicesPerWindow = DefaultPairingDevicesPerWindow;
            MaxPairedDevices = DefaultMaxPairedDevices;
            MaxClientIdLength = DefaultMaxClientIdLength;
            Throttle = new LoginThrottleOptions();
        }

        /// <summary>Longer client IDs are refused (CONNACK 0x02 / 0x85), before their credentials are looked at.</summary>
        public int MaxClientIdLength { get; set; }

        /// <summary>Clients without a user name are admitted (with <see cref="DefaultRule"/> or their group's rule).</summary>
        public bool AllowAnonymous { get; set; }

        /// <summary>The instance ID clients must name in signature and token user names; null accepts any, for
        /// clients configured for a different ApsaraMQ instance.</summary>
        public string InstanceId { get; set; }

        /// <summary>
        /// P2P only within a group and to/from the <see cref="ApplicationGroups"/> (and where a rule's
        /// <see cref="AccessRule.P2PToOtherGroups"/> says so). Off by default, as on ApsaraMQ for MQTT: a P2P message
        /// may go to a client of any group once its sender may publish to the parent topic.
        /// </summary>
        public bool P2PWithinGroupsOnly { get; set; }

        /// <summary>With <see cref="P2PWithinGroupsOnly"/>: groups whose clients may exchange P2P messages with every
        /// group (the back end's group). Without it every group may, and the list changes nothing.</summary>
        public string[] ApplicationGroups { get; set; }

        /// <summary>Client IDs that may subscribe to <c>$SYS/…</c>, provided they connected with credentials that prove
        /// the client ID (Signature, or a paired device: anonymous, Token and password-file clients choose theirs).</summary>
        public string[] SysSubscribers { get; set; }

        /// <summary>Client IDs and groups whose clients may announce P2P routes (the gateways below this broker),
        /// provided they connected with credentials where the broker has any, and only for clients of the groups their
        /// access key serves; where the broker has credentials and none is listed, nobody may (docs/federation.md).</summary>
        public string[] P2PGateways { get; set; }

        /// <summary>The rule of groups and devices that have none of their own.</summary>
        public AccessRule DefaultRule { get; set; }

        /// <summary>Rules in mosquitto's acl_file format that apply on top of the access rules (both must allow); null
        /// for none.</summary>
        public AclFile AclFile { get; set; }

        /// <summary>Users of mosquitto's password_file format, for user names that are not EdgeBroker credential user
        /// names (<see cref="AuthMode.Password"/>); null for none.</summary>
        public PasswordFile PasswordFile { get; set; }

        public int PairingWindowSeconds { get; set; }

        /// <summary>How many devices a window pairs unless opened for another number.</summary>
        public int PairingDevicesPerWindow { get; set; }

        /// <summary>Paired devices that are not revoked, at most; a pairing beyond it is refused (revoking one makes room).</summary>
        public int MaxPairedDevices { get; set; }

        public LoginThrottleOptions Throttle { get; set; }

        public void AddAccessKey(AccessKey key)
        {
            _accessKeys.Set(key.Id, key);
        }

        public AccessKey FindAccessKey(string id)
        {
            return id == null ? null : (AccessKey)_accessKeys.Get(id);
        }

        public int AccessKeyCount { get { return _accessKeys.Count; } }

        public void SetGroupRule(string group, AccessRule rule)
        {
            _groupRules.Set(group, rule);
        }

        public void SetDeviceRule(string clientId, AccessRule rule)
        {
            _deviceRules.Set(clientId, rule);
        }

        /// <summary>The most specific rule: the device's own, else its group's, else <see cref="DefaultRule"/>.</summary>
        public AccessRule RuleFor(string clientId, string group)
        {
            AccessRule rule = (AccessRule)_deviceRules.Get(clientId);
            if (rule == null)
            {
                rule = (AccessRule)_groupRules.Get(group);
            }

            return rule == null ? DefaultRule : rule;
        }

        public bool IsApplicationGroup(string group)
        {
            return Contains(ApplicationGroups, group);
        }

        public bool IsSysSubscriber(string clientId)
        {
            return Contains(SysSubscribers, clientId);
        }

        /// <summary>Whether <paramref name="clientId"/> or its <paramref name="group"/> is listed in
        /// <see cref="P2PGateways"/>.</summary>
        public bool IsP2PGateway(string clientId, string group)
        {
            return Contains(P2PGateways, clientId) || Contains(P2PGateways, group);
        }

        static bool Contains(string[] values, string value)
        {
            for (int i = 0; i < values.Length; i++)
            {
                if (values[i] == value)
                {
                    return true;
                }
            }

            return false;
        }
    }
}
