using System.Collections;
using System.Globalization;
using System.Reflection;
using EdgeBroker.Core.Text;

namespace EdgeBroker.Emulator;

/// <summary>
/// The effective configuration for <c>config check</c>: every public property or field of each settings object, one
/// <c>Section.Name = value</c> line, lists comma-separated and entries of object lists in braces. Secrets are masked by
/// the core's one rule (<see cref="SecretSettings"/>), so a pasted output never leaks an access key or a Wi-Fi password.
/// </summary>
static class SettingsPrinter
{
    public static void Print(TextWriter output, string section, object settings)
    {
        foreach (var (name, value) in ValuesOf(settings))
        {
            output.WriteLine($"{section}.{name} = {Describe(name, value)}");
        }
    }

    /// <summary>Public settings by name (the device's settings are fields, the relay's properties).</summary>
    static IEnumerable<(string Name, object? Value)> ValuesOf(object settings)
    {
        const BindingFlags Public = BindingFlags.Public | BindingFlags.Instance;
        var properties = settings.GetType().GetProperties(Public)
            .Where(property => property.GetIndexParameters().Length == 0)
            .Select(property => (property.Name, property.GetValue(settings)));
        var fields = settings.GetType().GetFields(Public).Select(field => (field.Name, field.GetValue(settings)));
        return properties.Concat(fields).OrderBy(setting => setting.Name, StringComparer.Ordinal);
    }

    static string Describe(string name, object? value) => value switch
    {
        null => "(not set)",
        _ when SecretSettings.IsSecret(name) => SecretSettings.Mask,
        string text => text,
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        IEnumerable items => string.Join(", ", items.Cast<object?>().Select(item => Describe(name, item))),
        bool flag => flag ? "true" : "false",
        _ => "{" + string.Join(", ", ValuesOf(value).Select(setting => setting.Name + " = " + Describe(setting.Name, setting.Value))) + "}",
    };
}
