using System.Collections;
using EdgeBroker.Core.Security;
using EdgeBroker.Core.Text;

namespace EdgeBroker.Firmware.Relay.Settings
{
    /// <summary>
    /// Who may connect to the gateway and what they may do, as edgebroker.conf sets it, for the core's
    /// <see cref="SecurityOptions"/>. Access keys are one key each, <c>access_key.{id} = {secret}</c>, with the groups the
    /// key serves in <c>access_key.{id}.groups = GID_a, GID_b</c> (all groups when absent). Lists are comma-separated.
    /// </summary>
    public sealed class RelaySecuritySettings
    {
        public const string AccessKeyPrefix = SecretSettings.AccessKeyPrefix;
        public const string AccessKeyGroupsSuffix = ".groups";
        public const string InstanceIdKey = "instance_id";
        public const string AllowAnonymousKey = "allow_anonymous";
        public const string ApplicationGroupsKey = "application_groups";
        public const string P2PWithinGroupsOnlyKey = "p2p_within_groups_only";
        public const string SysSubscribersKey = "sys_subscribers";
        public const string P2PGatewaysKey = "p2p_gateways";
        public const string PairingWindowSecondsKey = "pairing_window_seconds";
        public const string PairingGroupKey = "pairing_group";
        public const string PairingDevicesPerWindowKey = "pairing_devices_per_window";
        public const string MaxPairedDevicesKey = "max_paired_devices";
        public const string ForgetPairedDevicesKey = "forget_paired_devices";

        /// <summary>The device's default for <see cref="MaxPairedDevices"/>: its dozen connections serve a few dozen
        /// sensors taking turns, and their entries stay within the flash log's share for them (an eighth).</summary>
        public const int DefaultMaxPairedDevices = 64;
        public const string MaxClientIdLengthKey = "max_client_id_length";

        /// <summary>The group the pairing button opens a window for unless the file names one: the group of client IDs
        /// without <c>@@@</c>, so a device pairs as <c>default@@@{deviceId}</c>.</summary>
        public const string DefaultPairingGroup = "default";

        /// <summary>Addresses whose failed logins are tracked at once. The core's default (1024) is sized for the host;
        /// the device's heap and its dozen clients need far fewer.</summary>
        public const int MaxTrackedAddresses = 32;

        /// <summary><see cref="AllowAnonymous"/> when the file does not set <see cref="AllowAnonymousKey"/>.</summary>
        public const int NotSet = OpenBrokerRule.NotSet;

        readonly ArrayList _accessKeys = new ArrayList();

        public RelaySecuritySettings()
        {
            AllowAnonymous = NotSet;
            ApplicationGroups = new string[0];
            SysSubscribers = new string[0];
            P2PGateways = new string[0];
            PairingWindowSeconds = SecurityOptions.DefaultPairingWindowSeconds;
            PairingGroup = DefaultPairingGroup;
            PairingDevicesPerWindow = SecurityOptions.DefaultPairingDevicesPerWindow;
            MaxPairedDevices = DefaultMaxPairedDevices;
            MaxClientIdLength = SecurityOptions.DefaultMaxClientIdLength;
        }

        /// <summary>The <see cref="AccessKey"/>s clients sign with (Signature and Token modes).</summary>
        public ArrayList AccessKeys
        {
            get { return _accessKeys; }
        }

        /// <summary>The instance ID clients must name in their user name; null accepts any.</summary>
        public string InstanceId { get; set; }

        /// <summary>1: clients without a user name are admitted; 0: refused (CONNACK 0x05); <see cref="NotSet"/>: admitted
        /// only while the gateway has neither access keys nor paired devices (see <see cref="AllowsAnonymous"/>).</summary>
        public int AllowAnonymous { get; set; }

        /// <summary>1: P2P only within a group and to/from the <see cref="ApplicationGroups"/>; 0 (the default): to
        /// every group, as on ApsaraMQ for MQTT.</summary>
        public int P2PWithinGroupsOnly { get; set; }

        /// <summary>With <see cref="P2PWithinGroupsOnly"/>: groups whose clients exchange P2P messages with every group
        /// (the back end's).</summary>
        public string[] ApplicationGroups { get; set; }

        /// <summary>Client IDs that may subscribe to <c>$SYS/…</c> when they connect with credentials that prove the
        /// client ID (Signature, or a paired device).</summary>
        public string[] SysSubscribers { get; set; }

        /// <summary>Client IDs and groups of the gateways below this one, which alone may announce P2P routes — none
        /// once the gateway has credentials and nobody is listed (docs/federation.md).</summary>
        public string[] P2PGateways { get; set; }

        /// <summary>How long a press of the pairing button keeps the window open.</summary>
        public int PairingWindowSeconds { get; set; }

        /// <summary>How many devices one press of the pairing button pairs.</summary>
        public int PairingDevicesPerWindow { get; set; }

        /// <summary>Paired devices the gateway keeps at most.</summary>
        public int MaxPairedDevices { get; set; }

        /// <summary>Every start forgets the paired devices (1): the way back from a store they filled.</summary>
        public bool ForgetPairedDevices { get; set; }

        /// <summary>The group whose devices may pair while the window is open.</summary>
        public string PairingGroup { get; set; }

        /// <summary>Longer client IDs are refused with CONNACK 0x02.</summary>
        public int MaxClientIdLength { get; set; }

        /// <summary>Applies what <paramref name="file"/> sets; bad values are left at their defaults and reported in the
        /// file's <see cref="SettingsFile.Problems"/>.</summary>
        public void ApplyFrom(SettingsFile file)
        {
            ArrayList keys = file.KeysStartingWith(AccessKeyPrefix);
            for (int i = 0; i < keys.Count; i++)
            {
                string key = (string)keys[i];
                if (!EndsWith(key, AccessKeyGroupsSuffix))
                {
                    AddAccessKey(file, key);
                }
            }

            string instanceId = file.Get(InstanceIdKey);
            if (instanceId != null && instanceId.Length > 0)
            {
                InstanceId = instanceId;
            }

            AllowAnonymous = file.GetInt(AllowAnonymousKey, AllowAnonymous, 0, 1);
            P2PWithinGroupsOnly = file.GetInt(P2PWithinGroupsOnlyKey, P2PWithinGroupsOnly, 0, 1);
            ApplicationGroups = file.GetList(ApplicationGroupsKey);
            SysSubscribers = file.GetList(SysSubscribersKey);
            P2PGateways = file.GetList(P2PGatewaysKey);
            PairingWindowSeconds = file.GetInt(PairingWindowSecondsKey, PairingWindowSeconds, 1, 3600);
            MaxPairedDevices = file.GetInt(MaxPairedDevicesKey, MaxPairedDevices, 1, 65535);
            PairingDevicesPerWindow = file.GetInt(PairingDevicesPerWindowKey, PairingDevicesPerWindow, 1, MaxPairedDevices);
            ForgetPairedDevices = file.GetInt(ForgetPairedDevicesKey, 0, 0, 1) == 1;
            MaxClientIdLength = file.GetInt(MaxClientIdLengthKey, MaxClientIdLength, SecurityOptions.MinMaxClientIdLength,
                SecurityOptions.MaxMaxClientIdLength);
            string pairingGroup = file.Get(PairingGroupKey);
            if (pairingGroup == null)
            {
                return;
            }

            if (ParentTopic.IsValid(pairingGroup))
            {
                PairingGroup = pairingGroup;
            }
            else
            {
                file.AddProblem(PairingGroupKey, PairingGroupKey + " = " + pairingGroup + " is not a group ID (one topic level, not starting with $)");
            }
        }

        /// <summary>Whether clients without a user name are admitted (the core's <see cref="OpenBrokerRule"/> decides).</summary>
        public bool AllowsAnonymous(bool hasPairedDevices)
        {
            return OpenBrokerRule.AdmitsAnonymous(AllowAnonymous, _accessKeys.Count > 0 || hasPairedDevices);
        }

        /// <summary>Whether a relay listening on <paramref name="bind"/> lacks the access key (or the explicit
        /// <see cref="AllowAnonymousKey"/> = 1) a broker reachable beyond loopback must have (the core's
        /// <see cref="OpenBrokerRule"/> decides).</summary>
        public bool NeedsAccessKey(string bind)
        {
            return OpenBrokerRule.NeedsAccessKey(bind.StartsWith("127."), _accessKeys.Count > 0, AllowAnonymous);
        }

        /// <summary>The core's options for these settings; <paramref name="hasPairedDevices"/> decides anonymous access
        /// when it is not set.</summary>
        public SecurityOptions ToOptions(bool hasPairedDevices)
        {
            SecurityOptions options = new SecurityOptions();
            for (int i = 0; i < _accessKeys.Count; i++)
            {
                options.AddAccessKey((AccessKey)_accessKeys[i]);
            }

            options.InstanceId = InstanceId;
            options.AllowAnonymous = AllowsAnonymous(hasPairedDevices);
            options.P2PWithinGroupsOnly = P2PWithinGroupsOnly == 1;
            options.ApplicationGroups = ApplicationGroups;
            options.SysSubscribers = SysSubscribers;
            options.P2PGateways = P2PGateways;
            options.PairingWindowSeconds = PairingWindowSeconds;
            options.PairingDevicesPerWindow = PairingDevicesPerWindow;
            options.MaxPairedDevices = MaxPairedDevices;
            options.MaxClientIdLength = MaxClientIdLength;
            options.Throttle.MaxTrackedAddresses = MaxTrackedAddresses;
            return options;
        }

        void AddAccessKey(SettingsFile file, string key)
        {
            string id = key.Substring(AccessKeyPrefix.Length);
            string secret = file.Get(key);

            string idProblem = AccessKeyCheck.IdProblem(id);
            if (idProblem != null)
            {
                file.AddProblem(key, key + ": " + idProblem);
                return;
            }

            if (id.Length == 0 || secret.Length == 0)
            {
                file.AddProblem(key, key + ": an access key needs an ID and a secret (access_key.{id} = {secret})");
                return;
            }

            string[] groups = file.GetList(key + AccessKeyGroupsSuffix);
            _accessKeys.Add(new AccessKey(id, secret, groups));
        }

        static bool EndsWith(string text, string suffix)
        {
            return text.Length >= suffix.Length && text.Substring(text.Length - suffix.Length) == suffix;
        }
    }
}
