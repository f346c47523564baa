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
}
