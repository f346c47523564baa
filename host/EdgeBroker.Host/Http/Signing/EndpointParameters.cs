namespace EdgeBroker.Host.Http.Signing;

/// <summary>The query parameters one signed endpoint takes besides those every signed request carries or may carry
/// (<see cref="SignedRequestVerifier.CommonParameters"/>, <see cref="SignedRequestVerifier.OptionalCommonParameters"/>).
/// Anything else is refused, so what was signed is exactly what is acted on.</summary>
sealed record EndpointParameters(IReadOnlyList<string> Required, IReadOnlyList<string> Optional)
{
    public bool Allows(string name) =>
        SignedRequestVerifier.CommonParameters.Contains(name) || SignedRequestVerifier.OptionalCommonParameters.Contains(name)
        || Required.Contains(name) || Optional.Contains(name);
}
