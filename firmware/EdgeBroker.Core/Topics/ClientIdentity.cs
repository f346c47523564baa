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
            int at = SeparatorIndex(clientId, 0);
            return at > 0 ? clientId.Substring(0, at) : DefaultGroup;
        }

        /// <summary>
        /// Whether the client ID that fills <paramref name="text"/> from <paramref name="start"/> to its end belongs
        /// to <paramref name="group"/>: the receiver of a P2P address, checked without allocating its group ID.
        /// </summary>
        public static bool IsInGroup(string text, int start, string group)
        {
            int at = SeparatorIndex(text, start);
            if (at <= start)
            {
                return group == DefaultGroup;
            }

            if (at - start != group.Length)
            {
                return false;
            }

            for (int i = 0; i < group.Length; i++)
            {
                if (text[start + i] != group[i])
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>Ordinal search for "@@@": .NET's string.IndexOf(string) is culture-aware (it skips soft hyphens),
        /// nanoFramework's is not, and both engines must put a client in the same group.</summary>
        static int SeparatorIndex(string clientId, int start)
        {
            int run = 0;
            for (int i = start; i < clientId.Length; i++)
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
