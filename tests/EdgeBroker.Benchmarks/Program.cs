using EdgeBroker.Benchmarks;
using EdgeBroker.Benchmarks.Cli;

// The report goes to stdout (so it can be piped or redirected); progress and errors go to stderr.
var commandLine = new BenchmarkCommandLine();
commandLine.Root.SetAction(async (parseResult, cancellationToken) =>
{
    try
    {
        return await new BenchmarkRun(commandLine.ToSettings(parseResult), Console.Out, Console.Error).ExecuteAsync(cancellationToken);
    }
    catch (BenchmarkSetupException e)
    {
        await Console.Error.WriteLineAsync("edgebroker-bench: " + e.Message);
        return 2;
    }
    catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
    {
        // Ctrl+C or SIGTERM: the case runner has already stopped the clients and the broker on its way out.
        await Console.Error.WriteLineAsync("edgebroker-bench: cancelled; no report written.");
        return 130;
    }
});

return await commandLine.Root.Parse(args).InvokeAsync();
