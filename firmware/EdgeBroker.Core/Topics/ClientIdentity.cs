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
            int at = SeparatorIndex(clientId);
            return at > 0 ? clientId.Substring(0, at) : DefaultGroup;
        }

        /// <summary>Ordinal search for "@@@": .NET's string.IndexOf(string) is culture-aware (it skips soft hyphens),
        /// nanoFramework's is not, and both engines must put a client in the same group.</summary>
        static int SeparatorIndex(string clientId)
        {
            int run = 0;
            for (int i = 0; i < clientId.Length; i++)
            {
                run = clientId[i] == '@' ? run + 1 : 0;
                if (run == Separator.Length)
                {
                    return i - Separator.Length + 1;
                }
            }

            return -1;
        }
    }
}
