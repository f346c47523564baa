using System.CommandLine;
using EdgeBroker.Host;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

var commandLine = new EdgeBroker.Host.Configuration.CommandLine();
commandLine.Root.SetAction(async (parseResult, cancellationToken) =>
{
    IHost host;
    try
    {
        host = BrokerApp.Build(commandLine.ToConfiguration(parseResult), commandLine.ConfigFile(parseResult));
    }
    catch (Exception e) when (e is InvalidDataException or FileNotFoundException or FormatException or InvalidOperationException)
    {
        Console.Error.WriteLine($"edgebroker: cannot read the settings: {e.Message}");
        return ExitCodes.InvalidSettings;
    }

    using (host)
    {
        var problems = BrokerApp.Validate(host);
        if (problems.Count > 0)
        {
            foreach (var problem in problems)
            {
                Console.Error.WriteLine($"edgebroker: invalid setting: {problem}");
            }

            return ExitCodes.InvalidSettings;
        }

        try
        {
            host.Services.GetRequiredService<EdgeBroker.Host.Storage.BrokerStorage>();
        }
        catch (EdgeBroker.Host.Storage.StoreUnavailableException e)
        {
            Console.Error.WriteLine($"edgebroker: {e.Message}");
            return ExitCodes.StoreUnavailable;
        }

        // Ctrl+C and SIGTERM stop the host cleanly (Generic Host console lifetime).
        await host.RunAsync(cancellationToken);
        return Environment.ExitCode;
    }
});

var result = commandLine.Root.Parse(args);
return await result.InvokeAsync();
