using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using EdgeBroker.Core.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EdgeBroker.Host.Configuration;

/// <summary>
/// <c>edgebroker config check [FLAGS]</c>: reads the configuration exactly as the broker started with the same flags
/// would (appsettings.json, the --config file, EdgeBroker__* environment variables, the flags, before or after
/// <c>config check</c>) and validates it without starting anything. Prints every problem and exits with
/// <see cref="ExitCodes.InvalidSettings"/>, or prints the effective settings as JSON with secrets masked (the core's
/// <see cref="SecretSettings"/> rule) and exits 0, after the warnings the broker would log at start-up.
/// </summary>
static class ConfigCheckCommand
{
    static readonly JsonSerializerOptions Printed = new()
    {
        WriteIndented = true,
        IgnoreReadOnlyProperties = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>The <c>config</c> command; <c>config check</c> takes the broker's flags, in <paramref name="commandLine"/>,
    /// and prints the settings a broker started with the same flags would use.</summary>
    public static Command Create(CommandLine commandLine)
    {
        var check = new Command("check", "Validate the configuration without starting the broker and print the effective settings, secrets masked.");
        foreach (var flag in commandLine.Flags)
        {
            check.Add(flag);
        }

        check.SetAction(parseResult => Run(commandLine.ToConfiguration(parseResult), commandLine.ConfigFile(parseResult)));
        return new Command("config", "Work with the broker's configuration.") { check };
    }

    static int Run(Dictionary<string, string?> flags, FileInfo? configFile)
    {
        using var host = SettingsCheck.BuildHost(flags, configFile);
        if (host is null)
        {
            return ExitCodes.InvalidSettings;
        }

        var settings = host.Services.GetRequiredService<IOptions<BrokerOptions>>().Value;

        // On standard error, as the broker's start-up logs them, so the printed settings stay one JSON document.
        foreach (var warning in settings.Warnings())
        {
            Console.Error.WriteLine($"edgebroker: warning: {warning}");
        }

        var effective = new JsonObject { [BrokerOptions.Section] = Masked(JsonSerializer.SerializeToNode(settings, Printed)) };
        Console.WriteLine(effective.ToJsonString(Printed));
        return ExitCodes.Success;
    }

    /// <summary>The settings with the value of every secret property replaced by <see cref="SecretSettings.Mask"/>.</summary>
    static JsonNode? Masked(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject settings:
                foreach (var (name, value) in settings.ToList())
                {
                    settings[name] = SecretSettings.IsSecret(name) && value is not null ? SecretSettings.Mask : Masked(value?.DeepClone());
                }

                break;
            case JsonArray entries:
                for (var i = 0; i < entries.Count; i++)
                {
                    entries[i] = Masked(entries[i]?.DeepClone());
                }

                break;
        }

        return node;
    }
}
