using EdgeBroker.Core.Security;

namespace EdgeBroker.Host.Configuration;

/// <summary>Who may connect and what they may do (section EdgeBroker:Security). MQTT clients authenticate with the
/// access keys of <see cref="BrokerOptions.AccessKeys"/> (Signature and Token modes), the same keys that sign HTTP
/// requests; paired devices with the credentials pairing gave them.</summary>
public sealed class SecuritySettings
{
    /// <summary>Clients without a user name are admitted. Unset: admitted only while no access key, no password file and
    /// no paired device is configured (the core's <see cref="OpenBrokerRule"/>).</summary>
    public bool? AllowAnonymous { get; set; }

    /// <summary><see cref="AllowAnonymous"/> as the core's <see cref="OpenBrokerRule"/> takes it.</summary>
    public int AllowAnonymousSetting => AllowAnonymous switch
    {
        null => OpenBrokerRule.NotSet,
        true => 1,
        false => 0,
    };

    /// <summary>P2P only within a group and to/from the <see cref="ApplicationGroups"/> (and under rules with
    /// <see cref="AccessRuleSettings.P2PToOtherGroups"/>). Off by default: P2P reaches every group, as on ApsaraMQ for
    /// MQTT, once the sender may publish to the parent topic.</summary>
    public bool P2PWithinGroupsOnly { get; set; }

    /// <summary>With <see cref="P2PWithinGroupsOnly"/>: groups whose clients may exchange P2P messages with every group
    /// (the back end's).</summary>
    public List<string> ApplicationGroups { get; set; } = [];

    /// <summary>Client IDs that may subscribe to $SYS/…, provided they connected with credentials that prove the client
    /// ID (Signature, or a paired device).</summary>
    public List<string> SysSubscribers { get; set; } = [];

    /// <summary>Client IDs and groups of the gateways below this broker: only they may announce P2P routes, and only
    /// when they connect with credentials where the broker has any, for the groups their access key serves; none listed
    /// on a broker with credentials: nobody (docs/federation.md).</summary>
    public List<string> P2PGateways { get; set; } = [];

    /// <summary>How long a pairing window stays open unless the request says otherwise.</summary>
    public int PairingWindowSeconds { get; set; } = EdgeBroker.Core.Security.SecurityOptions.DefaultPairingWindowSeconds;

    /// <summary>How many devices a pairing window pairs unless the request says otherwise.</summary>
    public int PairingDevicesPerWindow { get; set; } = SecurityOptions.DefaultPairingDevicesPerWindow;

    /// <summary>Paired devices (not revoked) the broker keeps at most; a pairing beyond it is refused.</summary>
    public int MaxPairedDevices { get; set; } = SecurityOptions.DefaultMaxPairedDevices;

    /// <summary>Longer client IDs are refused with CONNACK 0x02 (MQTT 3.1.1) / 0x85 (MQTT 5).</summary>
    public int MaxClientIdLength { get; set; } = SecurityOptions.DefaultMaxClientIdLength;

    /// <summary>The rule of groups and devices without one of their own; unset: everything outside $.</summary>
    public AccessRuleSettings? DefaultRule { get; set; }

    /// <summary>Rules by group ID.</summary>
    public Dictionary<string, AccessRuleSettings> GroupRules { get; set; } = [];

    /// <summary>Rules by client ID; a device's own rule wins over its group's.</summary>
    public Dictionary<string, AccessRuleSettings> DeviceRules { get; set; } = [];

    public LoginThrottleSettings LoginThrottle { get; set; } = new();

    /// <summary>Path of an access-control file in mosquitto's acl_file format, applied on top of the rules above (both
    /// must allow); unset for none.</summary>
    public string? AclFile { get; set; }

    /// <summary>Path of a password file in mosquitto's password_file format (as mosquitto_passwd writes it): its users
    /// connect with their user name and password. Unset for none; once set, anonymous clients are refused unless
    /// <see cref="AllowAnonymous"/> says otherwise.</summary>
    public string? PasswordFile { get; set; }

    /// <summary>The <see cref="AclFile"/> as the core's policy reads it; throws <see cref="IOException"/> when the file
    /// cannot be read, <see cref="ArgumentException"/> naming the line that is invalid.</summary>
    public EdgeBroker.Core.Security.AclFile? ReadAclFile() =>
        AclFile is null ? null : EdgeBroker.Core.Security.AclFile.Parse(File.ReadAllText(AclFile));

    /// <summary>The <see cref="PasswordFile"/> as the core's authenticator reads it; throws as <see cref="ReadAclFile"/>.</summary>
    public EdgeBroker.Core.Security.PasswordFile? ReadPasswordFile() =>
        PasswordFile is null ? null : EdgeBroker.Core.Security.PasswordFile.Parse(File.ReadAllText(PasswordFile));

    public IEnumerable<string> Validate() =>
        new[]
        {
            MaxClientIdLength is < SecurityOptions.MinMaxClientIdLength or > SecurityOptions.MaxMaxClientIdLength
                ? $"Security:MaxClientIdLength {MaxClientIdLength} is outside {SecurityOptions.MinMaxClientIdLength}-{SecurityOptions.MaxMaxClientIdLength} (MQTT requires IDs of up to 23 characters to be accepted)."
                : null,
            MaxPairedDevices < 1 ? $"Security:MaxPairedDevices {MaxPairedDevices} must be at least 1." : null,
            PairingDevicesPerWindow < 1 || PairingDevicesPerWindow > MaxPairedDevices
                ? $"Security:PairingDevicesPerWindow {PairingDevicesPerWindow} is outside 1-{MaxPairedDevices} (Security:MaxPairedDevices)."
                : null,
            FileProblem(nameof(AclFile), AclFile, () => ReadAclFile()),
            FileProblem(nameof(PasswordFile), PasswordFile, () => ReadPasswordFile()),
        }.OfType<string>();

    static string? FileProblem(string setting, string? path, Action read)
    {
        try
        {
            read();
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return $"Security:{setting} {path}: {e.Message}";
        }
    }
}

/// <summary>One access rule: topic filters a client may publish to (for P2P, the parent topic) and subscribe to.</summary>
public sealed class AccessRuleSettings
{
    public List<string> Publish { get; set; } = [];

    public List<string> Subscribe { get; set; } = [];

    /// <summary>With <see cref="SecuritySettings.P2PWithinGroupsOnly"/>: may send P2P messages to clients of any group,
    /// not only its own and the application groups.</summary>
    public bool P2PToOtherGroups { get; set; }
}

/// <summary>How failed logins from one IP address are slowed, then refused for a while.</summary>
public sealed class LoginThrottleSettings
{
    public double FailureWindowSeconds { get; set; } = 60;

    public int FailuresBeforeDelay { get; set; } = 3;

    public int DelayMilliseconds { get; set; } = 1000;

    /// <summary>0 never locks an address out.</summary>
    public int FailuresBeforeLockout { get; set; } = 10;

    public double LockoutSeconds { get; set; } = 300;
}
