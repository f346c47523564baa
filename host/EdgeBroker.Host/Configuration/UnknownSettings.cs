using System.Collections;
using System.Reflection;
using System.Text.Json;
using EdgeBroker.Core.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.EnvironmentVariables;

namespace EdgeBroker.Host.Configuration;

/// <summary>
/// Finds settings the broker would silently ignore: keys under <see cref="BrokerOptions.Section"/> that name no
/// property of the options classes (walked by reflection, so a property added to any of them is known at once), and
/// top-level sections of a JSON settings file other than EdgeBroker and Logging. Each is reported with where it came
/// from — the file and line, or the environment variable — and the nearest known name. Values the binder cannot convert
/// (a word where a number or one of an enum's names belongs) are reported the same way, with what is accepted, and so
/// are list and dictionary entries it cannot make (which it would drop silently).
/// </summary>
public static class UnknownSettings
{
    /// <summary>Top-level sections a settings file may hold: the broker's and .NET's logging configuration.</summary>
    static readonly string[] KnownSections = [BrokerOptions.Section, "Logging"];

    public static IReadOnlyList<string> Find(IConfiguration configuration)
    {
        var problems = new List<string>();
        var root = (IConfigurationRoot)configuration;
        Walk(root, configuration.GetSection(BrokerOptions.Section), typeof(BrokerOptions), problems);
        foreach (var file in root.Providers.OfType<FileConfigurationProvider>())
        {
            foreach (var section in file.GetChildKeys([], null).Distinct(StringComparer.OrdinalIgnoreCase))
            {
                if (!KnownSections.Contains(section, StringComparer.OrdinalIgnoreCase))
                {
                    problems.Add(Problem(FileOrigin(file, section), section, [.. KnownSections]));
                }
            }
        }

        return problems;
    }

    static void Walk(IConfigurationRoot root, IConfigurationSection section, Type type, List<string> problems)
    {
        if (ElementType(type) is { } element)
        {
            // List entries and dictionary entries: any key, each an element.
            foreach (var entry in section.GetChildren())
            {
                var found = problems.Count;
                WalkValue(root, entry, element, problems);
                if (problems.Count == found && Unreadable(entry, element) is { } reason)
                {
                    problems.Add($"{Origin(root, entry)}: {reason}");
                }
            }

            return;
        }

        // What the binder fills: settable properties, and collections it adds to even without a setter.
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(property => property.CanWrite || ElementType(property.PropertyType) is not null)
            .ToList();
        foreach (var child in section.GetChildren())
        {
            var property = properties.FirstOrDefault(p => string.Equals(p.Name, child.Key, StringComparison.OrdinalIgnoreCase));
            if (property is null)
            {
                problems.Add(Problem(Origin(root, child), child.Path, [.. properties.Select(p => p.Name)]));
            }
            else
            {
                WalkValue(root, child, property.PropertyType, problems);
            }
        }
    }

    /// <summary>Why the configuration binder cannot make an element of <paramref name="entry"/> (a value of the wrong
    /// type, such as an unknown enum name); null when it can. The binder leaves such a list or dictionary entry out
    /// without a word — a whole uplink or access key would be lost — so it is bound once more here to ask.</summary>
    static string? Unreadable(IConfigurationSection entry, Type element)
    {
        try
        {
            entry.Get(element);
            return null;
        }
        catch (InvalidOperationException e)
        {
            return e.Message;
        }
    }

    static void WalkValue(IConfigurationRoot root, IConfigurationSection section, Type type, List<string> problems)
    {
        var actual = Nullable.GetUnderlyingType(type) ?? type;
        if (actual != typeof(string) && !actual.IsPrimitive && !actual.IsEnum && (actual.IsClass || ElementType(actual) is not null))
        {
            Walk(root, section, actual, problems);
        }
        else if (section.Value is { } text && !SettingValue.TryConvert(text, actual, out _))
        {
            // The binder would stop the start naming the .NET type it expected; this says what the setting accepts.
            problems.Add($"{Origin(root, section)}: {SettingValue.Mismatch($"setting '{section.Path}'", text, actual)}");
        }
    }

    /// <summary>The element type of a list, array or string-keyed dictionary; null for anything else.</summary>
    static Type? ElementType(Type type)
    {
        if (type.IsArray)
        {
            return type.GetElementType();
        }

        if (type.IsGenericType && typeof(IEnumerable).IsAssignableFrom(type))
        {
            var arguments = type.GetGenericArguments();
            return arguments[^1];
        }

        return null;
    }

    static string Problem(string origin, string path, IEnumerable<string> known)
    {
        var name = path[(path.LastIndexOf(':') + 1)..];
        var nearest = NearestName.Find(name, new ArrayList(known.ToArray()));
        return $"{origin}: unknown setting '{path}'" + (nearest is null ? string.Empty : $" (did you mean {nearest}?)");
    }

    /// <summary>Where the value of <paramref name="section"/> (or of its first value, for a section) came from: the
    /// last source that sets it wins, as in the configuration itself.</summary>
    static string Origin(IConfigurationRoot root, IConfigurationSection section)
    {
        var leaf = section.Value is not null
            ? section.Path
            : section.AsEnumerable().FirstOrDefault(pair => pair.Value is not null).Key ?? section.Path;
        foreach (var provider in root.Providers.Reverse())
        {
            if (!provider.TryGet(leaf, out _))
            {
                continue;
            }

            return provider switch
            {
                FileConfigurationProvider file => FileOrigin(file, section.Path),
                EnvironmentVariablesConfigurationProvider => $"environment variable {section.Path.Replace(":", "__", StringComparison.Ordinal)}",
                _ => "command line",
            };
        }

        return "configuration";
    }

    static string FileOrigin(FileConfigurationProvider file, string path)
    {
        var fullPath = file.Source.FileProvider?.GetFileInfo(file.Source.Path ?? string.Empty).PhysicalPath ?? file.Source.Path ?? "settings file";
        return JsonLine(fullPath, path) is { } line ? $"{fullPath}:{line}" : fullPath;
    }

    /// <summary>The 1-based line of the property at configuration path <paramref name="path"/> (':'-separated, array
    /// entries by index, case-insensitive) in a JSON file; null when the file cannot be read or does not hold it.</summary>
    static int? JsonLine(string file, string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(file);
        }
        catch (IOException)
        {
            return null;
        }

        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var segments = new List<string>();
        var containers = new Stack<int>(); // -1 for an object, else the index of an array's next element
        string? name = null;
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        name = reader.GetString();
                        if (string.Equals(string.Join(':', segments.Append(name)), path, StringComparison.OrdinalIgnoreCase))
                        {
                            return 1 + bytes.AsSpan(0, (int)reader.TokenStartIndex).Count((byte)'\n');
                        }

                        continue;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        containers.Pop();
                        if (containers.Count > 0)
                        {
                            segments.RemoveAt(segments.Count - 1);
                        }

                        continue;
                }

                // A value: its segment is the property name in an object, its index in an array.
                string? segment = null;
                if (containers.Count > 0)
                {
                    var index = containers.Pop();
                    containers.Push(index < 0 ? index : index + 1);
                    segment = index < 0 ? name : index.ToString(System.Globalization.CultureInfo.InvariantCulture);
                }

                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    if (segment is not null)
                    {
                        segments.Add(segment);
                    }

                    containers.Push(reader.TokenType == JsonTokenType.StartArray ? 0 : -1);
                }
            }
        }
        catch (JsonException)
        {
            return null;
        }

        return null;
    }
}
