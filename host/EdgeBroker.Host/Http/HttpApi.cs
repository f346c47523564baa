using EdgeBroker.Host.Configuration;
using EdgeBroker.Host.Http.Signing;
using EdgeBroker.Host.Monitoring;
using EdgeBroker.Host.Tls;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Prometheus;

namespace EdgeBroker.Host.Http;

/// <summary>Puts the HTTP API into the broker's host: its services and Kestrel binding, then its pipeline.</summary>
static class HttpApi
{
    /// <summary>Prometheus' scrape path. Not signed: a scraper cannot sign requests, and the metrics are aggregate
    /// figures without client IDs or secrets; keep the HTTP port on loopback or behind a proxy to restrict it.</summary>
    public const string MetricsPath = "/metrics";

    public static void AddHttpApi(this IServiceCollection services)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<AccessKeyRing>();
        services.AddSingleton<SignedRequestLogins>();
        services.AddSingleton<SignedRequestVerifier>();
        services.AddSingleton<HttpApiListener>();
        services.AddSingleton<HttpLimits>();
        services.Configure<FormOptions>(HttpLimits.Apply);
        services.AddSingleton<Dashboard.DashboardFeed>();
        services.AddHostedService(provider => provider.GetRequiredService<HttpApiListener>());
        services.AddOptions<KestrelServerOptions>()
            .Configure<IOptions<BrokerOptions>, IServiceProvider>((kestrel, broker, provider) =>
                HttpApiListener.Listen(kestrel, broker.Value, provider.GetRequiredService<ServerTls>, provider.GetRequiredService<HttpLimits>()));
    }

    public static void UseHttpApi(this WebApplication app)
    {
        app.UseJsonErrorResponses();
        app.Use(app.Services.GetRequiredService<HttpLimits>().RefuseLargeBodiesAsync);
        app.MapOnlineStatusApi();
        app.MapTokenApi();
        app.MapPairingApi();
        app.MapDeviceApi();
        app.MapUplinkApi();
        app.MapDashboard();
        app.MapMetrics(MetricsPath, app.Services.GetRequiredService<BrokerMetrics>().Registry);
    }
}
