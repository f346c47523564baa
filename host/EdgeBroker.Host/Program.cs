using System.CommandLine;
using EdgeBroker.Core.Text;
using EdgeBroker.Host;
using EdgeBroker.Host.Configuration;
using EdgeBroker.Host.Http;
using EdgeBroker.Host.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

NativeMmapThreshold.Apply();

var commandLine = new EdgeBroker.Host.Configuration.CommandLine();
foreach (var administration in new EdgeBroker.Host.Admin.AdminCommands().Create())
{
    commandLine.Root.Add(administration);
}

commandLine.Root.Add(ConfigCheckCommand.Create(commandLine));

commandLine.Root.SetAction(async (parseResult, _) =>
{
    // First, so that a stop asked while the settings are read or the store opened is a clean stop too.
    using var stop = new StopSignal();
    AssemblyPreload.LoadReferences();
    var host = SettingsCheck.BuildHost(commandLine.ToConfiguration(parseResult), commandLine.ConfigFile(parseResult));
    if (host is null)
    {
        return ExitCodes.InvalidSettings;
    }

    using (host)
    {
        try
        {
            host.Services.GetRequiredService<EdgeBroker.Host.Storage.BrokerStorage>();
        }
        catch (EdgeBroker.Host.Storage.StoreUnavailableException e)
        {
            Console.Error.WriteLine($"edgebroker: {e.Message}");
            return ExitCodes.StoreUnavailable;
        }

        var settings = host.Services.GetRequiredService<IOptions<BrokerOptions>>().Value;
        try
        {
            // Ctrl+C and SIGTERM stop the host cleanly at any moment, exit code 0.
            await host.RunUntilStoppedAsync(stop.Token);
        }
        catch (CannotListenException e)
        {
            Console.Error.WriteLine($"edgebroker: {e.Message}.");
            return ExitCodes.CannotListen;
        }
        catch (Exception e) when (HttpApiListener.CannotListenReason(e) is { } reason)
        {
            Console.Error.WriteLine($"edgebroker: cannot listen for HTTP on {UrlHost.WithPort(settings.Bind, settings.HttpPort)}: {reason}.");
            return ExitCodes.CannotListen;
        }

        return ExitCodes.Success;
    }
});

var result = commandLine.Root.Parse(args);
if (CommandLineMistakes.Reported(result, commandLine.Flags, "edgebroker"))
{
    return ExitCodes.InvalidSettings;
}

// No signal handling of System.CommandLine's: the broker's is its StopSignal, and the administration commands and
// config check, which hold nothing to put away, end on Ctrl+C as any command does (exit code 130, SIGTERM 143).
return await result.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
