using EdgeBroker.Core.Security;
using EdgeBroker.Core.Text;
using EdgeBroker.Host.Configuration;
using EdgeBroker.Host.Monitoring;
using EdgeBroker.Host.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeBroker.Host.Security;

/// <summary>Puts the core's <see cref="BrokerSecurity"/> into the broker's services: one instance, shared by the MQTT
/// bridge (authentication, access control) and the HTTP API (tokens, pairing, devices).</summary>
static class SecurityServices
{
    public static void AddBrokerSecurity(this IServiceCollection services)
    {
        services.AddSingleton<RevocationSignal>();
        services.AddSingleton(provider =>
        {
            var storage = provider.GetRequiredService<BrokerStorage>();
            var security = new BrokerSecurity(
                provider.GetRequiredService<IOptions<BrokerOptions>>().Value.ToCoreOptions(storage.Devices.LoadDevices().Count), storage.Devices, storage.Tokens, new CryptoRandomSource());
            var log = provider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(BrokerSecurity));
            security.Policy.Denied = (clientId, topicOrFilter, isPublish, reason) =>
                log.LogWarning(isPublish ? LogEvents.PublishRefused : LogEvents.SubscribeRefused, "Refused {Packet} from {ClientId} to {Topic}: {Reason}", isPublish ? "PUBLISH" : "SUBSCRIBE",
                    ClientTextForLog.Of(clientId), ClientTextForLog.Of(topicOrFilter), reason);
            return security;
        });
    }
}
