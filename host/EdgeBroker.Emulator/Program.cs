using System.CommandLine;
using System.Net.Sockets;
using EdgeBroker.Emulator;
using EdgeBroker.Firmware.Storage;
using EdgeBroker.Host.Configuration;
using EdgeBroker.Host.Runtime;

var port = new Option<int?>("--port") { Description = "MQTT listener port (default 1883, the device's; 0 picks a free one).", CustomParser = FlagValue.Parse<int?> };
var bind = new Option<string?>("--bind") { Description = "Address to listen on (default: bind in edgebroker.conf, else 127.0.0.1; 0.0.0.0 to serve the LAN)." };
var dataDir = new Option<string>("--data-dir")
{
    Description = "Directory standing in for the device's internal flash I: (edgebroker.conf is read from it, the store "
        + "kept in it). Default: emulator-data beside the program.",
    DefaultValueFactory = _ => Path.Combine(AppContext.BaseDirectory, "emulator-data"),
};
var httpPort = new Option<int?>("--http-port")
{
    Description = "Serve the dashboard (/), GET /status and POST /pairing (the pairing button) on this loopback port.",
    CustomParser = FlagValue.Parse<int?>,
};
var quiet = new Option<bool>("--quiet") { Description = "Log only warnings." };
Option[] emulatorFlags = [port, bind, dataDir, httpPort, quiet];
var root = new RootCommand("EdgeBroker firmware emulator: the gateway firmware's relay and routing core on the PC, with the device's defaults and limits.");
foreach (var flag in emulatorFlags)
{
    root.Add(flag);
}

var configFile = new Option<FileInfo?>("--config") { Description = "The edgebroker.conf to check (default: the one in --data-dir)." };
var check = new Command("check", "Validate edgebroker.conf without starting: print the effective configuration (secrets masked), "
    + "or every problem with its line and exit code 2.")
{
    dataDir, configFile,
};
check.SetAction(parseResult =>
{
    var named = parseResult.GetValue(configFile);
    if (named is { Exists: false })
    {
        // Absent means "all defaults" for a data directory (a fresh device), not for a file the operator named: a
        // mistyped path would pass the check.
        Console.Error.WriteLine($"edgebroker-emulator: --config {named.FullName} was not found");
        return 2;
    }

    var file = named?.FullName ?? Path.Combine(parseResult.GetValue(dataDir)!, EdgeBroker.Firmware.Relay.Settings.SettingsFile.FileName);
    var problems = new List<string>();
    var settings = EmulatedGateway.ReadSettings(file, _ => { }, problems);
    foreach (var problem in problems)
    {
        Console.Error.WriteLine($"edgebroker-emulator: invalid setting: {problem}");
    }

    if (problems.Count > 0)
    {
        return 2;
    }

    // On standard error, as the emulator's start-up logs them, so the printed settings stay only settings.
    foreach (var warning in settings.Warnings())
    {
        Console.Error.WriteLine($"edgebroker-emulator: warning: {warning}");
    }

    Console.WriteLine($"# {file}: valid{(File.Exists(file) ? string.Empty : " (absent: all defaults)")}");
    SettingsPrinter.Print(Console.Out, "relay", settings.Relay);
    SettingsPrinter.Print(Console.Out, "security", settings.Security);
    if (settings.Uplink is { } uplink)
    {
        UplinkSettingsPrinter.Print(Console.Out, uplink);
    }

    SettingsPrinter.Print(Console.Out, "device", settings.Device);
    return 0;
});
root.Add(new Command("config", "Work with the configuration file.") { check });

root.SetAction(async (parseResult, cancellationToken) =>
{
    var problems = new List<string>();
    var log = new ConsoleLog(parseResult.GetValue(quiet));
    EmulatedGateway? gateway;
    try
    {
        gateway = EmulatedGateway.Create(
            parseResult.GetValue(dataDir)!,
            settings =>
            {
                if (parseResult.GetValue(bind) is { } address)
                {
                    settings.Bind = address;
                }

                if (parseResult.GetValue(port) is { } value)
                {
                    settings.Port = value;
                }
            },
            log,
            problems);
    }
    catch (FlashStoreException e)
    {
        // The message names the directory or file and what to do; the data is left as it is.
        Console.Error.WriteLine($"edgebroker-emulator: {e.Message}");
        return 4;
    }

    if (gateway is null)
    {
        foreach (var problem in problems)
        {
            Console.Error.WriteLine($"edgebroker-emulator: invalid setting: {problem}");
        }

        return 2;
    }

    try
    {
        gateway.Start();
    }
    catch (SocketException e) when (ListenFailure.Explain(e, "--port") is { } explanation)
    {
        Console.Error.WriteLine($"edgebroker-emulator: cannot listen on {gateway.Settings.Bind}:{gateway.Settings.Port}: {explanation}.");
        return 3;
    }

    Console.WriteLine($"Data directory (stands in for I:): {Path.GetFullPath(gateway.DataDirectory)}");
    using var status = parseResult.GetValue(httpPort) is { } statusPort ? new StatusEndpoint(gateway, statusPort, log) : null;
    try
    {
        status?.Start();
    }
    catch (Exception e) when (ListenFailure.Explain(e, "--http-port") is { } explanation)
    {
        Console.Error.WriteLine($"edgebroker-emulator: cannot listen for HTTP on 127.0.0.1:{parseResult.GetValue(httpPort)}: {explanation}.");
        gateway.Stop();
        return 3;
    }

    if (status is not null)
    {
        Console.WriteLine($"Status on http://127.0.0.1:{parseResult.GetValue(httpPort)}/status; POST /pairing presses the pairing button; "
            + $"dashboard on http://127.0.0.1:{parseResult.GetValue(httpPort)}/");
    }

    if (!Console.IsInputRedirected)
    {
        Console.WriteLine("Press P to press the pairing button; Ctrl+C stops.");
        _ = Task.Run(() =>
        {
            while (true)
            {
                if (char.ToUpperInvariant(Console.ReadKey(intercept: true).KeyChar) == 'P')
                {
                    gateway.Pairing.Press();
                    Console.WriteLine($"Pairing window for group {gateway.Pairing.Group} open for {gateway.Pairing.RemainingSeconds} s (key press)");
                }
            }
        }, CancellationToken.None);
    }

    // Ctrl+C and SIGTERM cancel the token: stop cleanly (exit code 0).
    try
    {
        await Task.Delay(Timeout.Infinite, cancellationToken);
    }
    catch (OperationCanceledException)
    {
    }

    gateway.Stop();
    return 0;
});

var parsed = root.Parse(args);

// A mistake on the command line is a configuration mistake, as one in edgebroker.conf: said in a line, exit code 2.
if (CommandLineMistakes.Reported(parsed, emulatorFlags, "edgebroker-emulator"))
{
    return 2;
}

return await parsed.InvokeAsync();
