using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Hosting;

namespace EdgeBroker.Host.Configuration;

/// <summary>
/// Builds the broker's host from its settings (appsettings.json, the --config file, the environment, the flags) and
/// refuses it, saying why on standard error, when they cannot be read or are invalid. The broker and <c>config check</c>
/// both start here, so they refuse the same mistakes in the same words.
/// </summary>
static partial class SettingsCheck
{
    /// <summary>The host, or null when the settings were refused: the caller exits with
    /// <see cref="ExitCodes.InvalidSettings"/>.</summary>
    public static IHost? BuildHost(IDictionary<string, string?> flags, FileInfo? configFile)
    {
        IHost? host = null;
        IReadOnlyList<string> problems;
        try
        {
            host = BrokerApp.Build(flags, configFile);
            problems = BrokerApp.Validate(host);
        }
        catch (UnreadableSettingsException e)
        {
            problems = e.Problems;
        }
        catch (Exception e) when (e is InvalidDataException or FileNotFoundException or FormatException or InvalidOperationException)
        {
            Console.Error.WriteLine($"edgebroker: cannot read the settings: {Reason(e)}");
            host?.Dispose();
            return null;
        }

        foreach (var problem in problems)
        {
            Console.Error.WriteLine($"edgebroker: invalid setting: {problem}");
        }

        if (problems.Count == 0)
        {
            return host;
        }

        host?.Dispose();
        return null;
    }

    /// <summary>Why the settings could not be read, in one line. The configuration's own message says only which file
    /// failed; what is wrong in it, and for a JSON syntax error where, is in the innermost exception.</summary>
    static string Reason(Exception e)
    {
        var innermost = e;
        while (innermost.InnerException is { } inner)
        {
            innermost = inner;
        }

        if (innermost == e)
        {
            return e.Message;
        }

        var reason = innermost is JsonException { LineNumber: { } line, BytePositionInLine: { } column } json
            ? $"line {line + 1}, column {column + 1}: {JsonPosition().Replace(json.Message, string.Empty)}"
            : innermost.Message;
        return $"{e.Message.TrimEnd('.')}: {reason}";
    }

    /// <summary>The position System.Text.Json appends to its messages, zero-based; replaced by the line and column.</summary>
    [GeneratedRegex(@"\s*(Path: \S* \| )?LineNumber: \d+ \| BytePositionInLine: \d+\.$")]
    private static partial Regex JsonPosition();
}
