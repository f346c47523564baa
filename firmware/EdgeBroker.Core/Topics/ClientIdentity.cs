namespace EdgeBroker.Core.Topics
{
    /// <summary>
    /// Client IDs of the form <c>GID_group@@@DEVICE_001</c>: the group ID is the part before the first
    /// <c>@@@</c>. A client ID without the separator belongs to the group <see cref="DefaultGroup"/>.
    /// </summary>
    public static class ClientIdentity
    {
        public const string Separator = "@@@";
        public const string DefaultGroup = "default";

        public static string GroupOf(string clientId)
        {
            int at = clientId.IndexOf(Separator);
            return at > 0 ? clientId.Substring(0, at) : DefaultGroup;
        }
    }
}
