namespace EdgeBroker.EndToEnd.Tests.Http;

/// <summary>The online-status endpoints, as the README documents them.</summary>
public static class OnlineStatusPaths
{
    public const string ClientStatus = "/route/clientId/get";
    public const string ClientCount = "/clients/count";
    public const string ClientList = "/clients";
}
