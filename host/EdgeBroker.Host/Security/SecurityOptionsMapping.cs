using EdgeBroker.Core.Security;
using EdgeBroker.Host.Configuration;

namespace EdgeBroker.Host.Security;

/// <summary>Turns the host's settings into the core's <see cref="SecurityOptions"/>, which make every decision.</summary>
static class SecurityOptionsMapping
{
    /// <summary>
    /// Whether the core's security policy decides PUBLISH and SUBSCRIBE: once access keys or access rules are
    /// configured (or anonymous access is explicitly refused). Until then the broker is the open development broker of
    /// the walkthroughs — every client may publish and subscribe anywhere outside <c>$</c>, P2P crosses groups (even with
    /// <see cref="SecuritySettings.P2PWithinGroupsOnly"/>, an open broker's clients could claim any group), anyone
    /// may watch <c>$SYS/presence</c> — and only on loopback unless <c>--allow-anonymous</c> says otherwise.
    /// </summary>
    public static bool EnforcesAccessControl(this BrokerOptions broker)
    {
        var settings = broker.Security;
        return broker.AccessKeys.Count > 0
            || settings.AllowAnonymous == false
            || settings.DefaultRule is not null
            || settings.GroupRules.Count > 0
            || settings.DeviceRules.Count > 0
            || settings.P2PWithinGroupsOnly
            || settings.ApplicationGroups.Count > 0
            || settings.SysSubscribers.Count > 0
            || settings.P2PGateways.Count > 0
            || settings.AclFile is not null
            || settings.PasswordFile is not null;
    }

    /// <param name="pairedDevices">Devices paired so far: they count as configured credentials for the default of
    /// anonymous access.</param>
    public static SecurityOptions ToCoreOptions(this BrokerOptions broker, int pairedDevices)
    {
        var settings = broker.Security;
        var options = new SecurityOptions
        {
            AllowAnonymous = OpenBrokerRule.AdmitsAnonymous(settings.AllowAnonymousSetting,
                broker.AccessKeys.Count > 0 || settings.PasswordFile is not null || pairedDevices > 0),
            InstanceId = broker.InstanceId,
            P2PWithinGroupsOnly = settings.P2PWithinGroupsOnly,
            ApplicationGroups = [.. settings.ApplicationGroups],
            SysSubscribers = [.. settings.SysSubscribers],
            P2PGateways = [.. settings.P2PGateways],
            PairingWindowSeconds = settings.PairingWindowSeconds,
            MaxClientIdLength = settings.MaxClientIdLength,
            AclFile = settings.ReadAclFile(),
            PasswordFile = settings.ReadPasswordFile(),
            Throttle = new LoginThrottleOptions
            {
                FailureWindowMs = (long)(settings.LoginThrottle.FailureWindowSeconds * 1000),
                FailuresBeforeDelay = settings.LoginThrottle.FailuresBeforeDelay,
                DelayMs = settings.LoginThrottle.DelayMilliseconds,
                FailuresBeforeLockout = settings.LoginThrottle.FailuresBeforeLockout,
                LockoutMs = (long)(settings.LoginThrottle.LockoutSeconds * 1000),
            },
        };

        if (settings.DefaultRule is { } defaultRule)
        {
            options.DefaultRule = ToRule(defaultRule);
        }

        foreach (var (group, rule) in settings.GroupRules)
        {
            options.SetGroupRule(group, ToRule(rule));
        }

        foreach (var (clientId, rule) in settings.DeviceRules)
        {
            options.SetDeviceRule(clientId, ToRule(rule));
        }

        foreach (var key in broker.AccessKeys)
        {
            var groups = key.CoversAllGroups ? [] : key.Groups.ToArray();
            options.AddAccessKey(new AccessKey(key.Id, key.Secret, groups));
        }

        return options;
    }

    static AccessRule ToRule(AccessRuleSettings rule) => new([.. rule.Publish], [.. rule.Subscribe], rule.P2PToOtherGroups);
}
