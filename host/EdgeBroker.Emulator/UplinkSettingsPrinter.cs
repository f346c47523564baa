using System.Collections;
using System.Globalization;
using EdgeBroker.Core.Text;
using EdgeBroker.Core.Uplink;
using EdgeBroker.Firmware.Relay.Settings;
using Keys = EdgeBroker.Firmware.Relay.Settings.RelayUplinkSettings;

namespace EdgeBroker.Emulator;

/// <summary>
/// The uplink for <c>config check</c>, as edgebroker.conf writes it: one <c>key = value</c> line per key of the file
/// (<see cref="RelayUplinkSettings"/>'s), in the file's words (<c>uplink_auth = password</c>, not the core's
/// <c>UserPassword</c>), so a line can be pasted back into the file. The core's settings hold more than the file sets —
/// the host's proxy sessions, each rule's derived filters — which the device does not have, so they are left out. The
/// rules of one direction share the file's QoS and prefixes; with no rule of a direction its QoS and prefixes, which
/// then do nothing, are left out too. Secrets are masked by the core's one rule (<see cref="SecretSettings"/>).
/// </summary>
static class UplinkSettingsPrinter
{
    public static void Print(TextWriter output, RelayUplinkSettings settings)
    {
        var uplink = settings.Uplink;
        Line(output, Keys.UplinkKey, Joined(uplink.Addresses, address => ((UplinkAddress)address).Text));
        Line(output, Keys.NameKey, uplink.Name);
        Line(output, Keys.ClientIdKey, uplink.ClientId);
        Rules(output, uplink.ForwardRules, Keys.ForwardKey, Keys.ForwardQosKey, Keys.ForwardLocalPrefixKey, Keys.ForwardRemotePrefixKey);
        Rules(output, uplink.SubscribeRules, Keys.SubscribeKey, Keys.SubscribeQosKey, Keys.SubscribeLocalPrefixKey, Keys.SubscribeRemotePrefixKey);
        Line(output, Keys.AuthKey, Word(Keys.AuthModes, (int)uplink.AuthMode));
        Line(output, Keys.UserNameKey, uplink.UserName);
        Line(output, Keys.PasswordKey, uplink.Password);
        Line(output, Keys.AccessKeyIdKey, uplink.AccessKeyId);
        Line(output, Keys.AccessKeySecretKey, uplink.AccessKeySecret);
        Line(output, Keys.InstanceIdKey, uplink.InstanceId);
        Line(output, Keys.CaFileKey, settings.CaFile);
        Line(output, Keys.KeepAliveSecondsKey, uplink.KeepAliveSeconds);
        Line(output, Keys.InFlightKey, uplink.InFlightWindow);
        Line(output, Keys.MaxQueuedMessagesKey, uplink.MaxQueuedMessages);
        Line(output, Keys.MaxQueuedBytesKey, uplink.MaxQueuedBytes);
        Line(output, Keys.FullPolicyKey, Word(Keys.FullPolicies, (int)uplink.FullPolicy));
        Line(output, Keys.BackoffMinMsKey, uplink.BackoffMinMs);
        Line(output, Keys.BackoffMaxMsKey, uplink.BackoffMaxMs);
        Line(output, Keys.P2PKey, uplink.P2P ? "true" : "false");
        Line(output, Keys.P2PRoutesKey, Word(Keys.P2PRouteModes, (int)uplink.P2PRoutes));
        Line(output, Keys.P2PRoutesTopicKey, uplink.P2PRoutesTopic);
        Line(output, Keys.P2PMaxRoutesKey, uplink.P2PMaxRoutes);
        Line(output, Keys.P2PRoutesGraceSecondsKey, uplink.P2PRoutesGraceSeconds);
    }

    static void Rules(TextWriter output, ArrayList rules, string filtersKey, string qosKey, string localPrefixKey, string remotePrefixKey)
    {
        Line(output, filtersKey, Joined(rules, rule => ((UplinkRule)rule).Filter));
        if (rules.Count > 0 && rules[0] is UplinkRule first)
        {
            Line(output, qosKey, first.Qos);
            Line(output, localPrefixKey, Prefix(first.LocalPrefix));
            Line(output, remotePrefixKey, Prefix(first.RemotePrefix));
        }
    }

    /// <summary>The file's word for an enum's value: the relay reads the key's words as an index into the same list.</summary>
    static string Word(string words, int value) => words.Split(',')[value];

    /// <summary>A rule keeps an absent prefix as the empty one.</summary>
    static string? Prefix(string prefix) => prefix.Length == 0 ? null : prefix;

    static string Joined(ArrayList items, Func<object, string> text) => string.Join(", ", items.Cast<object>().Select(text));

    static void Line(TextWriter output, string key, long value) => Line(output, key, value.ToString(CultureInfo.InvariantCulture));

    static void Line(TextWriter output, string key, string? value) =>
        output.WriteLine($"{key} = {(value is null ? "(not set)" : SecretSettings.IsSecret(key) ? SecretSettings.Mask : value)}");
}
