namespace EdgeBroker.Host.Http.Signing;

/// <summary>A request whose signature checked out: the access key that signed it and its parameters.</summary>
sealed class SignedRequest(AccessKey accessKey, IReadOnlyDictionary<string, string> parameters)
{
    public AccessKey AccessKey { get; } = accessKey;

    /// <summary>The value of a parameter, or null when the request did not have it (only optional ones can be absent).</summary>
    public string? this[string name] => parameters.GetValueOrDefault(name);
}
