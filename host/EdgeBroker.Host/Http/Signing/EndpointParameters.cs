namespace EdgeBroker.Host.Http.Signing;

/// <summary>The query parameters one signed endpoint takes besides those every signed request carries or may carry
/// (<see cref="SignedRequestVerifier.CommonParameters"/>, <see cref="SignedRequestVerifier.OptionalCommonParameters"/>).
/// Anything else is refused, so what was signed is exactly what is acted on. Declared with the endpoint's method and
/// path, which it is mapped at (<see cref="SignedEndpoints.MapSigned"/>) and which its signature covers too
/// (<see cref="RequestLine"/>); declared without them, the endpoint signs its parameters only, as ApsaraMQ's
/// endpoints do (<see cref="RequestLine.ApsaraMqEndpoints"/>).</summary>
sealed record EndpointParameters(IReadOnlyList<string> Required, IReadOnlyList<string> Optional)
{
    public EndpointParameters(string method, string path, IReadOnlyList<string> required, IReadOnlyList<string> optional)
        : this(required, optional)
    {
        RequestLine = RequestLine.SignedBy(method, path)
            ?? throw new ArgumentException($"{method} {path} is ApsaraMQ's: declare it without its method and path, as it signs its parameters only.");
    }

    /// <summary>The method and path the signature covers; null for ApsaraMQ's endpoints, which sign parameters only.</summary>
    public RequestLine? RequestLine { get; }

    public bool Allows(string name) =>
        SignedRequestVerifier.CommonParameters.Contains(name) || SignedRequestVerifier.OptionalCommonParameters.Contains(name)
        || Required.Contains(name) || Optional.Contains(name);
}
