using EdgeBroker.Host;
using EdgeBroker.Host.Http;
using EdgeBroker.Host.Mqtt;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeBroker.EndToEnd.Tests.Infrastructure;

/// <summary>The host engine (its own connection loop + core), built exactly as the program builds it, listening on a free port.</summary>
public sealed class HostEngine : BrokerEngine
{
    public const string DataDirKey = "EdgeBroker:DataDir";

    public override string Name => "host";

    public override Task<RunningBroker> StartAsync(IDictionary<string, string?>? settings = null) => StartAsync(settings, configFile: null);

    /// <param name="configFile">A JSON settings file, as the program's <c>--config</c> reads it.</param>
    public async Task<RunningBroker> StartAsync(IDictionary<string, string?>? settings, FileInfo? configFile)
    {
        // A fresh data directory per broker unless the test brings one (to restart a broker on the same data).
        var ownDataDir = settings?.ContainsKey(DataDirKey) == true ? null : Directory.CreateTempSubdirectory("edgebroker-test-");
        var all = new Dictionary<string, string?>
        {
            ["EdgeBroker:Port"] = "0",
            [DataDirKey] = ownDataDir?.FullName,
            ["EdgeBroker:HttpPort"] = "0",
            ["EdgeBroker:Bind"] = "127.0.0.1",
            ["Logging:LogLevel:Default"] = Environment.GetEnvironmentVariable("EDGEBROKER_TEST_LOGLEVEL") ?? "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        var host = BrokerApp.Build(all, configFile);
        Assert.Empty(BrokerApp.Validate(host));
        var problems = new ProblemLoggerProvider();
        host.Services.GetRequiredService<ILoggerFactory>().AddProvider(problems);
        try
        {
            await host.StartAsync();
        }
        catch (OperationCanceledException e) when (problems.Problems.Count > 0)
        {
            // A service that could not start (a listener that could not bind) stops the host, and Kestrel's start only
            // says it was cancelled: the failure says what the broker logged instead.
            host.Dispose();
            throw new InvalidOperationException("The host broker stopped while starting: " + string.Join(" | ", problems.Problems), e);
        }

        var mqtt = host.Services.GetRequiredService<MqttBrokerService>();
        var http = host.Services.GetRequiredService<HttpApiListener>().BoundAddress;
        Assert.True((mqtt.BoundPort > 0 || mqtt.BoundTlsPort > 0) && http is not null, "the host broker did not start listening");
        return new RunningHost(host, mqtt.BoundPort, mqtt.BoundTlsPort, mqtt.BoundWebSocketPort, new Uri(http, "/"), host.Services.GetRequiredService<EdgeBroker.Core.BrokerCore>(),
            problems, ownDataDir);
    }

    sealed class RunningHost(IHost host, int port, int tlsPort, int webSocketPort, Uri httpBaseAddress, EdgeBroker.Core.BrokerCore core,
        ProblemLoggerProvider problems, DirectoryInfo? ownDataDir) : RunningBroker
    {
        public override EdgeBroker.Core.BrokerCore Core => core;

        public override EdgeBroker.Core.Security.BrokerSecurity Security => host.Services.GetRequiredService<EdgeBroker.Core.Security.BrokerSecurity>();

        public override IReadOnlyList<string> LoggedProblems => problems.Problems;

        public override int Port => port;

        public override int TlsPort => tlsPort;

        public override int WebSocketPort => webSocketPort;

        public override Uri HttpBaseAddress => httpBaseAddress;

        public override bool IsConnected(string clientId) => core.ConnectionOf(clientId) != null;

        public override EdgeBroker.Core.Routing.RoutingCounters Counters => core.Counters;

        public override async ValueTask DisposeAsync()
        {
            await host.StopAsync();
            host.Dispose();
            ownDataDir?.Delete(recursive: true);
        }
    }
}
