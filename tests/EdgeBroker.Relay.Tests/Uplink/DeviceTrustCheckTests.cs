using EdgeBroker.Firmware.Relay.Settings;
using EdgeBroker.Firmware.Uplink;

namespace EdgeBroker.Relay.Tests.Uplink;

/// <summary>The device has no built-in roots (review-nf #4): <c>mqtts://</c> without <c>uplink_ca_file</c> is warned about at
/// boot and by <c>config check</c>; plain MQTT or a CA file needs no warning.</summary>
public class DeviceTrustCheckTests
{
    static RelayUplinkSettings Uplink(params string[] lines) => RelayUplinkSettings.From(SettingsFile.Parse(string.Join('\n',
        ["uplink_client_id = gw1", "uplink_forward = site/#", .. lines])), new RelaySettings())!;

    [Fact]
    public void TLS_without_a_CA_file_is_warned_about_naming_the_device_store_and_the_key()
    {
        var warning = DeviceTrustCheck.Warning(Uplink("uplink = mqtt://10.0.0.5, mqtts://cloud.example.com"));

        Assert.NotNull(warning);
        Assert.StartsWith("Uplink cloud: mqtts:// without uplink_ca_file: the device has no built-in root certificates", warning);
        Assert.Contains("its certificate store", warning);
    }

    [Fact]
    public void Plain_MQTT_a_CA_file_or_no_uplink_need_no_warning()
    {
        Assert.Null(DeviceTrustCheck.Warning(Uplink("uplink = mqtt://10.0.0.5")));
        Assert.Null(DeviceTrustCheck.Warning(Uplink("uplink = mqtts://cloud.example.com", "uplink_ca_file = ca.pem")));
        Assert.Null(DeviceTrustCheck.Warning(null!));
    }
}
