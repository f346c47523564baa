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
/// <c>edgebroker config check [--config F]</c>: reads the configuration exactly as the broker would (appsettings.json,
/// the --config file, EdgeBroker__* environment variables) and validates it without starting anything. Prints every
/// problem and exits with <see cref="ExitCodes.InvalidSettings"/>, or prints the effective settings as JSON with
/// secrets masked (the core's <see cref="SecretSettings"/> rule) and exits 0.
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

    public static Command Create()
    {
        var configFile = new Option<FileInfo?>("--config") { Description = "Extra JSON settings file, as for the broker itself." };
        var check = new Command("check", "Validate the configuration without starting the broker and print the effective settings, secrets masked.")
        {
            configFile,
        };
        check.SetAction(parseResult => Run(parseResult.GetValue(configFile)));
        return new Command("config", "Work with the broker's configuration.") { check };
    }

    static int Run(FileInfo? configFile)
    {
        try
        {
            using var host = BrokerApp.Build(new Dictionary<string, string?>(), configFile);
            var problems = BrokerApp.Validate(host);
            foreach (var problem in problems)
            {
                Console.Error.WriteLine($"edgebroker: invalid setting: {problem}");
            }

            if (problems.Count > 0)
            {
                return ExitCodes.InvalidSettings;
            }

            var settings = host.Services.GetRequiredService<IOptions<BrokerOptions>>().Value;
            var effective = new JsonObject { [BrokerOptions.Section] = Masked(JsonSerializer.SerializeToNode(settings, Printed)) };
            Console.WriteLine(effective.ToJsonString(Printed));
            return ExitCodes.Success;
        }
        catch (Exception e) when (e is InvalidDataException or FileNotFoundException or FormatException or InvalidOperationException)
        {
            Console.Error.WriteLine($"edgebroker: cannot read the settings: {e.Message}");
            return ExitCodes.InvalidSettings;
        }
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
