namespace EdgeBroker.Host.Configuration;

/// <summary>One access key of the HTTP API (section EdgeBroker:AccessKeys:N, --access-key-file FILE or --access-key
/// ID:SECRET): requests name it and are signed with its secret.</summary>
public sealed class AccessKeyOptions
{
    /// <summary>Group that stands for every group.</summary>
    public const string AllGroups = "*";

    /// <summary>How to give the broker an access key without showing its secret to the machine's other users, for the
    /// messages that suggest one (<c>--access-key ID:SECRET</c> would put it in <c>ps</c>).</summary>
    public const string SafeWays = "--access-key-file FILE (one ID:SECRET a line, the file readable by the broker's user only), " +
        "EdgeBroker__AccessKeys__0__Id and EdgeBroker__AccessKeys__0__Secret in the environment, or EdgeBroker:AccessKeys in a --config file";

    public string Id { get; set; } = string.Empty;

    public string Secret { get; set; } = string.Empty;

    /// <summary>Groups whose clients the key may query; empty or "*" means all.</summary>
    public List<string> Groups { get; set; } = [];

    /// <summary>No group named, or "*": the key serves every group.</summary>
    public bool CoversAllGroups => Groups.Count == 0 || Groups.Contains(AllGroups);
}
