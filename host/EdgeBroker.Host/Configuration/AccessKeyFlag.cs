using System.CommandLine.Parsing;

namespace EdgeBroker.Host.Configuration;

/// <summary>The value of <c>--access-key</c>: <c>ID:SECRET</c>, split at the first colon (so a secret may contain
/// colons).</summary>
static class AccessKeyFlag
{
    public static (string Id, string Secret)? Parse(string value)
    {
        var colon = value.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == value.Length - 1)
        {
            return null;
        }

        return (value[..colon], value[(colon + 1)..]);
    }

    /// <summary>Validates every value of an <c>--access-key</c> option, so a malformed one is a usage error.</summary>
    public static void Validate(OptionResult result)
    {
        foreach (var token in result.Tokens)
        {
            if (Parse(token.Value) is null)
            {
                result.AddError($"--access-key expects ID:SECRET with neither part empty, not '{token.Value}'.");
            }
        }
    }
}
