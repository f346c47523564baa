using EdgeBroker.Core;
using EdgeBroker.Core.Access;
using EdgeBroker.Core.Security;
using EdgeBroker.Host.Configuration;
using EdgeBroker.Host.Http;
using EdgeBroker.Host.Monitoring;
using EdgeBroker.Host.Mqtt;
using EdgeBroker.Host.Security;
using EdgeBroker.Host.Storage;
using EdgeBroker.Host.Tls;
using EdgeBroker.Host.Uplink;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeBroker.Host;

/// <summary>Builds the broker's Generic Host from configuration: the MQTT listener and the HTTP API (a slim ASP.NET Core
/// application, so Kestrel runs in the same host). Program runs it; the end-to-end tests build it too, so they exercise
/// exactly what users run.</summary>
public static class BrokerApp
{
    /// <summary>The highest QoS the host engine grants and delivers at.</summary>
    const int MaxQos = 2;

    public static IHost Build(IDictionary<string, string?> commandLineSettings, FileInfo? configFile = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ContentRootPath = AppContext.BaseDirectory,
        });

        if (configFile is not null)
        {
            builder.Configuration.AddJsonFile(configFile.FullName, optional: false, reloadOnChange: false);
        }

        builder.Configuration.AddEnvironmentVariables();
        builder.Configuration.AddInMemoryCollection(commandLineSettings);

        // Refused before the options are bound, which happens while the host is built (Kestrel's listeners are made
        // from them): the binder would stop at the first value it cannot convert, naming a .NET type, and a misspelt
        // key would leave its setting at the default, which the value checks of Validate cannot see.
        if (UnknownSettings.Find(builder.Configuration) is { Count: > 0 } problems)
        {
            throw new UnreadableSettingsException(problems);
        }

        builder.Logging.ClearProviders();
        if (LogFormatOf(builder.Configuration) == LogFormat.Json)
        {
            builder.Logging.AddJsonConsole(console =>
            {
                console.UseUtcTimestamp = true;
                console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        }
        else
        {
            builder.Logging.AddSimpleConsole(console =>
            {
                console.SingleLine = true;
                console.TimestampFormat = "HH:mm:ss.fff ";
            });
        }

        // A listener that cannot bind stops the start; Program says so in one line, so the host's own report of the
        // failed start (a stack trace) is left out. Other start failures still surface as unhandled exceptions.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);

        builder.Services.Configure<BrokerOptions>(builder.Configuration.GetSection(BrokerOptions.Section));
        builder.Services.AddSingleton(services =>
        {
            var settings = services.GetRequiredService<IOptions<BrokerOptions>>().Value;
            return BrokerStorage.Open(settings, settings.OfflineLimits);
        });
        builder.Services.AddSingleton(services =>
        {
            var settings = services.GetRequiredService<IOptions<BrokerOptions>>().Value;
            var storage = services.GetRequiredService<BrokerStorage>();
            var security = services.GetRequiredService<BrokerSecurity>();
            IAccessPolicy policy = settings.EnforcesAccessControl() ? security.Policy : new AllowAllPolicy();
            var offline = new TimedOfflineStore(storage.Offline, services.GetRequiredService<BrokerMetrics>());
            var core = new BrokerCore(policy, offline, storage.Sessions, settings.OfflineLimits, MaxQos, 1024);
            security.KnownClients = core;
            core.P2PMaxHops = settings.P2PMaxHops;
            core.P2PMaxRoutes = settings.P2PMaxRoutes;
            core.P2PUnreachableTtlSeconds = settings.P2PUnreachableTtlSeconds;
            core.P2PUnreachableCacheSize = settings.P2PUnreachableCacheSize;
            core.MaxSessions = settings.MaxSessions;
            core.MaxWillBytes = settings.MaxWillBytes;
            core.WillExtraBytes = ConnectWill.ExtraBytes;
            core.MaxSubscriptionsPerClient = settings.MaxSubscriptionsPerClient;

            // A session's QoS 2 PUBLISHes awaiting PUBREL, across its connections: as many as the Receive Maximum an
            // MQTT 5 client is told (an MQTT 3.1.1 client cannot be told, and is held to the same).
            core.MaxAwaitingRelease = settings.Connections.ReceiveMaximum;
            return core;
        });
        builder.Services.AddHostedService<StartupWarnings>();
        builder.Services.AddBrokerSecurity();
        builder.Services.AddSingleton<ServerTls>();
        builder.Services.AddUplinks();
        builder.Services.AddSingleton<HostStatistics>();
        builder.Services.AddSingleton<BrokerMetrics>();
        builder.Services.AddSingleton<MqttBrokerService>();
        builder.Services.AddHostedService(services => services.GetRequiredService<MqttBrokerService>());
        builder.Services.AddHttpApi();
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(10));

        var app = builder.Build();
        app.UseHttpApi();
        return app;
    }

    /// <summary>The log format setting, read before the options exist because logging is configured first; a value
    /// that is neither text nor json stops the start (<see cref="FormatException"/>).</summary>
    static LogFormat LogFormatOf(IConfiguration configuration)
    {
        var value = configuration[$"{BrokerOptions.Section}:{nameof(BrokerOptions.LogFormat)}"];
        if (value is null)
        {
            return LogFormat.Text;
        }

        return Enum.TryParse<LogFormat>(value, ignoreCase: true, out var format) && Enum.IsDefined(format)
            ? format
            : throw new FormatException($"LogFormat '{value}' is neither text nor json.");
    }

    /// <summary>The settings problems of a built host, empty when it may start: invalid values, then — when the values
    /// hold — a configured certificate that cannot be loaded. Unknown keys and values that cannot be converted stopped
    /// <see cref="Build"/> already.</summary>
    public static IReadOnlyList<string> Validate(IHost host)
    {
        List<string> problems = [.. host.Services.GetRequiredService<IOptions<BrokerOptions>>().Value.Validate()];
        if (problems.Count == 0)
        {
            try
            {
                host.Services.GetRequiredService<ServerTls>();
            }
            catch (CertificateUnavailableException e)
            {
                problems.Add(e.Message);
            }
        }

        return problems;
    }
}
