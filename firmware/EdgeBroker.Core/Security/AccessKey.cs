namespace EdgeBroker.Core.Security
{
    /// <summary>An access key pair from the configuration, as ApsaraMQ clients use it in signature and token
    /// mode: the ID travels in the user name, the secret only signs.</summary>
    public sealed class AccessKey
    {
        /// <param name="groups">Groups whose clients may connect with this key; null or empty for every group.</param>
        public AccessKey(string id, string secret, string[] groups)
        {
            Id = id;
            Secret = secret;
            Groups = groups;
        }

        public string Id { get; private set; }

        public string Secret { get; private set; }

        public string[] Groups { get; private set; }

        public bool Serves(string group)
        {
            if (Groups == null || Groups.Length == 0)
            {
                return true;
            }

            for (int i = 0; i < Groups.Length; i++)
            {
                if (Groups[i] == group)
                {
                    return true;
                }
            }

            return false;
        }
    }
}
