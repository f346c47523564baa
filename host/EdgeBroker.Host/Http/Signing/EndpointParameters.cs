namespace EdgeBroker.Host.Http.Signing;

/// <summary>The query parameters one signed endpoint takes besides those every signed request carries or may carry
/// (<see cref="SignedRequestVerifier.CommonParameters"/>, <see cref="SignedRequestVerifier.OptionalCommonParameters"/>).
/// Anything else is refused, so what was signed is exactly what is acted on. Declared with the endpoint's method and
/// path, which it is mapped at (<see cref="Path"/>, <see cref="Methods"/>) and which its signature covers too
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

    /// <summary>The path to map the endpoint at: the one its signature covers. Mapped with the handler as a method group
    /// at the call (<c>app.MapMethods(p.Path, p.Methods, Handler)</c>), which the request delegate generator of the
    /// single-file build needs.</summary>
    public string Path => Line.Path;

    /// <summary>The one method to map the endpoint for: the one its signature covers.</summary>
    public string[] Methods => [Line.Method];

    RequestLine Line => RequestLine ?? throw new InvalidOperationException("Only an endpoint declared with its method and path is mapped by it.");

    public bool Allows(string name) =>
        SignedRequestVerifier.CommonParameters.Contains(name) || SignedRequestVerifier.OptionalCommonParameters.Contains(name)
        || Required.Contains(name) || Optional.Contains(name);
}
