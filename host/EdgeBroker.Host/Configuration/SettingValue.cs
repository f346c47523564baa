using System.ComponentModel;
using System.Globalization;
using System.Numerics;

namespace EdgeBroker.Host.Configuration;

/// <summary>
/// One text value of a setting or flag, converted as the configuration binder converts it (the type's
/// <see cref="TypeConverter"/>, invariant culture), so a flag takes exactly what the same setting takes in a file or
/// an environment variable. When it cannot be converted, <see cref="Mismatch"/> says what was given and what is
/// accepted in the user's terms (a whole number, true or false, the names of an enum), never a .NET type name.
/// </summary>
static class SettingValue
{
    public static bool TryConvert(string text, Type type, out object? value)
    {
        try
        {
            value = TypeDescriptor.GetConverter(Nullable.GetUnderlyingType(type) ?? type).ConvertFromInvariantString(text);
            return true;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException or NotSupportedException)
        {
            value = null;
            return false;
        }
    }

    /// <summary>"<paramref name="name"/> is 'TEXT', not …": what <paramref name="text"/> should have been to be a
    /// <paramref name="type"/>; <paramref name="minimum"/>, when given, is the setting's lower bound in place of the
    /// type's.</summary>
    public static string Mismatch(string name, string text, Type type, long? minimum = null) =>
        $"{name} is '{text}', not {Accepted(text, Nullable.GetUnderlyingType(type) ?? type, minimum)}";

    static string Accepted(string text, Type type, long? minimum)
    {
        if (type.IsEnum)
        {
            return $"one of {string.Join(", ", Enum.GetNames(type))}";
        }

        if (type == typeof(bool))
        {
            return "true or false";
        }

        if (type == typeof(double) || type == typeof(float) || type == typeof(decimal))
        {
            return "a number";
        }

        // A whole number too large for the setting would otherwise be told it is not a whole number.
        if (type.GetField(nameof(int.MaxValue)) is { } max && type.GetField(nameof(int.MinValue)) is { } min)
        {
            return BigInteger.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out _)
                ? $"a whole number from {minimum ?? min.GetValue(null)} to {max.GetValue(null)}"
                : "a whole number";
        }

        return "a valid value";
    }
}
