namespace EdgeBroker.Host.Transport;

/// <summary>
/// The web sites whose pages may open MQTT over WebSocket (<c>WebSocketOrigins</c>, <c>--websocket-origin</c>). A
/// browser names the site of the page that opens a WebSocket in the upgrade's <c>Origin</c> header, and the page
/// cannot change it (RFC 6455 §10.2), so a broker that admits clients without credentials can keep pages of other
/// sites from reaching it through their visitors' browsers. Empty: any origin, as mosquitto and EMQX by default. A
/// request without <c>Origin</c> does not come from a page (MQTT.js in Node, MQTTnet, mosquitto's clients) and is
/// served: such a client may send any Origin it likes, so the list is no gate for it (docs/security.md).
/// </summary>
sealed class WebSocketOrigins(IEnumerable<string> allowed)
{
    readonly HashSet<string> _allowed = [.. allowed.Select(origin => Normalize(origin) ?? throw new ArgumentException($"not an origin: {origin}", nameof(allowed)))];

    /// <summary>Whether a page of <paramref name="origin"/> (the request's Origin header; null: none) may connect.</summary>
    public bool Allows(string? origin) =>
        _allowed.Count == 0 || origin is null || (Normalize(origin) is { } normalized && _allowed.Contains(normalized));

    /// <summary>The origin as browsers send it (RFC 6454 §6.2: <c>scheme://host[:port]</c>, lower case, the scheme's
    /// default port left out), so <c>https://Dashboard.example.com:443/</c> in the settings matches
    /// <c>https://dashboard.example.com</c>; null when <paramref name="text"/> is not an http or https origin (a path,
    /// a query, user info, or the opaque origin <c>null</c> of a sandboxed page or a local file).</summary>
    public static string? Normalize(string text) =>
        Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.AbsolutePath == "/" &&
        uri.Query.Length == 0 && uri.Fragment.Length == 0 && uri.UserInfo.Length == 0
            ? uri.GetLeftPart(UriPartial.Authority)
            : null;
}
