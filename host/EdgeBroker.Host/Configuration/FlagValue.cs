using System.CommandLine.Parsing;

namespace EdgeBroker.Host.Configuration;

/// <summary>The parser of every flag whose value is not text (numbers, enums): it takes what the same setting takes in a
/// settings file and, for anything else, says so as a settings check does (<see cref="SettingValue"/>), where
/// System.CommandLine would name the .NET type it expected.</summary>
static class FlagValue
{
    /// <param name="minimum">The setting's own lower bound, for the message about a number the type cannot hold, which
    /// would otherwise name the type's (a negative size).</param>
    public static T? Parse<T>(ArgumentResult result) => Parse<T>(result, minimum: null);

    public static T? Parse<T>(ArgumentResult result, long? minimum)
    {
        // Called with one token: a flag given twice, or without a value, is refused by the parser before this.
        var text = result.Tokens[0].Value;
        if (SettingValue.TryConvert(text, typeof(T), out var value))
        {
            return (T?)value;
        }

        var flag = result.Parent is OptionResult option ? option.IdentifierToken?.Value ?? option.Option.Name : result.Argument.Name;
        result.AddError(SettingValue.Mismatch(flag, text, typeof(T), minimum));
        return default;
    }
}
