using Microsoft.Extensions.DependencyInjection;

namespace EdgeBroker.Host.Uplink;

/// <summary>Puts the uplinks into the broker's host.</summary>
static class UplinkHosting
{
    /// <summary>Registers the uplink service; call before the MQTT server's service, so the core has its uplinks before
    /// the first client connects.</summary>
    public static void AddUplinks(this IServiceCollection services)
    {
        services.AddSingleton<UplinkService>();
        services.AddHostedService(provider => provider.GetRequiredService<UplinkService>());
    }
}
