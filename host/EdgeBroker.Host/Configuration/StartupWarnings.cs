using EdgeBroker.Host.Monitoring;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeBroker.Host.Configuration;

/// <summary>Logs, once as the broker starts, what its settings allow but should not (<see cref="BrokerOptions.Warnings"/>):
/// a refusal would stop configurations that ran before, silence would leave them weak.</summary>
sealed class StartupWarnings(IOptions<BrokerOptions> options, ILogger<StartupWarnings> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var warning in options.Value.Warnings())
        {
            logger.LogWarning(LogEvents.SettingsWarning, "{Warning}", warning);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
