using EdgeBroker.Core.Security;
using EdgeBroker.Host.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EdgeBroker.Host.Security;

/// <summary>Puts the core's <see cref="BrokerSecurity"/> into the broker's services: one instance, shared by the MQTT
/// bridge (authentication, access control) and the HTTP API (tokens, pairing, devices).</summary>
static class SecurityServices
{
    public static void AddBrokerSecurity(this IServiceCollection services)
    {
        services.AddSingleton<RevocationSignal>();
        services.AddSingleton<IDeviceStore, MemoryDeviceStore>();
        services.AddSingleton<ITokenStore, MemoryTokenStore>();
        services.AddSingleton(provider => new BrokerSecurity(
            provider.GetRequiredService<IOptions<BrokerOptions>>().Value.ToCoreOptions(),
            provider.GetRequiredService<IDeviceStore>(),
            provider.GetRequiredService<ITokenStore>(),
            new CryptoRandomSource()));
    }
}
