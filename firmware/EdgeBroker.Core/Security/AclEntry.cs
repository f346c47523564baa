namespace EdgeBroker.Core.Security
{
    /// <summary>
    /// One <c>topic</c> or <c>pattern</c> line of an <see cref="AclFile"/>: a topic filter and what it allows. A pattern's
    /// <c>%c</c> and <c>%u</c> stand for the client ID and user name of the client being checked.
    /// </summary>
    public sealed class AclEntry
    {
        /// <summary>mosquitto's <c>deny</c>: refuses what it matches, whatever else would allow it.</summary>
        public const int Deny = 0;

        public const int Read = 1;

        public const int Write = 2;

        public const int ReadWrite = Read | Write;

        public AclEntry(string filter, int access)
        {
            Filter = filter;
            Access = access;
            NamesUser = filter.IndexOf("%u") >= 0;
            IsTemplate = NamesUser || filter.IndexOf("%c") >= 0;
        }

        public string Filter { get; private set; }

        /// <summary><see cref="Deny"/>, <see cref="Read"/>, <see cref="Write"/> or <see cref="ReadWrite"/>.</summary>
        public int Access { get; private set; }

        /// <summary>The filter holds <c>%c</c> or <c>%u</c> (a pattern to fill in per client).</summary>
        public bool IsTemplate { get; private set; }

        /// <summary>The filter holds <c>%u</c>: it cannot apply to a client without a user name.</summary>
        public bool NamesUser { get; private set; }

        /// <summary>The filter for one client: <c>%c</c> and <c>%u</c> replaced as mosquitto does, wherever they stand.</summary>
        public string FilterFor(string clientId, string userName)
        {
            if (!IsTemplate)
            {
                return Filter;
            }

            string filled = "";
            int start = 0;
            for (int i = 0; i < Filter.Length - 1; i++)
            {
                if (Filter[i] != '%' || (Filter[i + 1] != 'c' && Filter[i + 1] != 'u'))
                {
                    continue;
                }

                filled = filled + Filter.Substring(start, i - start) + (Filter[i + 1] == 'c' ? clientId : userName);
                start = i + 2;
                i++;
            }

            return filled + Filter.Substring(start);
        }
    }
}
