using System;
using System.Collections;
using EdgeBroker.Core.Collections;
using EdgeBroker.Core.Text;
using EdgeBroker.Core.Topics;
using EdgeBroker.Core.Uplink;

namespace EdgeBroker.Core.Security
{
    /// <summary>
    /// Access rules in mosquitto's <c>acl_file</c> format, so a deployment moving from mosquitto keeps its file:
    /// <c>topic [read|write|readwrite|deny] FILTER</c> lines before the first <c>user NAME</c> line apply to clients
    /// without a user name, those after it to that user; <c>pattern [access] FILTER</c> lines apply to every client,
    /// with <c>%c</c> and <c>%u</c> standing for its client ID and user name. The access word may be left out
    /// (readwrite); <c>#</c> at the start of a line is a comment. Decided as mosquitto decides: the client's own lines
    /// first (any matching <c>deny</c> refuses, else a matching line that grants the access allows), then the patterns
    /// the same way; nothing matching refuses. A client ID or user name holding <c>+</c> or <c>#</c> is refused
    /// whenever patterns are consulted, so it cannot widen a pattern.
    /// One difference, because the core decides a SUBSCRIBE once rather than per delivered message as mosquitto
    /// does: a filter is allowed only when a granting line covers it entirely and no <c>deny</c> line can match any
    /// topic it could receive (<c>topic deny home/secret</c> refuses a SUBSCRIBE to <c>home/#</c>).
    /// </summary>
    public sealed class AclFile
    {
        const int NoMatch = 0;
        const int Allowed = 1;
        const int Denied = 2;

        /// <summary>Lines of clients without a user name: denials first, then grants, as mosquitto orders them.</summary>
        readonly ArrayList _anonymous = new ArrayList();

        /// <summary>Each user's lines (an ArrayList) by user name.</summary>
        readonly StringMap _users = new StringMap(16);

        readonly ArrayList _patterns = new ArrayList();

        AclFile()
        {
        }

        /// <summary>Reads the text of an <c>acl_file</c>; an invalid line throws <see cref="ArgumentException"/> naming its
        /// number and what is wrong, as mosquitto refuses to start on one.</summary>
        public static AclFile Parse(string text)
        {
            AclFile file = new AclFile();
            ArrayList user = file._anonymous;
            ArrayList lines = TextLines.Split(text);
            for (int i = 0; i < lines.Count; i++)
            {
                int lineNumber = i + 1;
                string line = (string)lines[i];
                string keyword = NextWord(line, 0);
                if (keyword.Length == 0 || line[0] == '#')
                {
                    continue;
                }

                string rest = line.Substring(line.IndexOf(keyword) + keyword.Length).Trim();
                if (keyword == "user")
                {
                    if (rest.Length == 0)
                    {
                        throw Invalid(lineNumber, "user without a user name");
                    }

                    user = (ArrayList)file._users.Get(rest);
                    if (user == null)
                    {
                        user = new ArrayList();
                        file._users.Set(rest, user);
                    }
                }
                else if (keyword == "topic" || keyword == "pattern")
                {
                    Add(keyword == "topic" ? user : file._patterns, ParseEntry(rest, lineNumber));
                }
                else
                {
                    throw Invalid(lineNumber, "'" + keyword + "' is not topic, pattern or user");
                }
            }

            return file;
        }

        public bool MayPublish(string clientId, string userName, string topic)
        {
            return Decide(clientId, userName, topic, false);
        }

        public bool MaySubscribe(string clientId, string userName, string filter)
        {
            return Decide(clientId, userName, filter, true);
        }

        bool Decide(string clientId, string userName, string topicOrFilter, bool subscribe)
        {
            bool hasUser = userName != null && userName.Length > 0;
            ArrayList own = hasUser ? (ArrayList)_users.Get(userName) : _anonymous;
            int decision = own == null ? NoMatch : DecideBy(own, clientId, userName, topicOrFilter, subscribe);
            if (decision != NoMatch)
            {
                return decision == Allowed;
            }

            if (_patterns.Count == 0 || IsWildcardName(clientId) || (hasUser && IsWildcardName(userName)))
            {
                return false;
            }

            return DecideBy(_patterns, clientId, hasUser ? userName : null, topicOrFilter, subscribe) == Allowed;
        }

        static int DecideBy(ArrayList entries, string clientId, string userName, string topicOrFilter, bool subscribe)
        {
            int needed = subscribe ? AclEntry.Read : AclEntry.Write;
            for (int i = 0; i < entries.Count; i++)
            {
                AclEntry entry = (AclEntry)entries[i];
                if (entry.NamesUser && userName == null)
                {
                    continue;
                }

                string filter = entry.FilterFor(clientId, userName);

                // As mosquitto: a $ topic is only ever matched by a line that starts with $.
                if (topicOrFilter[0] == '$' && filter[0] != '$')
                {
                    continue;
                }

                if (entry.Access == AclEntry.Deny)
                {
                    if (subscribe ? FilterOverlap.Overlaps(filter, topicOrFilter) : TopicMatcher.Matches(filter, topicOrFilter))
                    {
                        return Denied;
                    }
                }
                else if ((entry.Access & needed) != 0
                    && (subscribe ? FilterCoverage.Covers(filter, topicOrFilter) : TopicMatcher.Matches(filter, topicOrFilter)))
                {
                    return Allowed;
                }
            }

            return NoMatch;
        }

        /// <summary><c>[read|write|readwrite|deny] FILTER</c>: no access word means readwrite, so a filter with a space
        /// needs one.</summary>
        static AclEntry ParseEntry(string rest, int lineNumber)
        {
            string word = NextWord(rest, 0);
            if (word.Length == 0)
            {
                throw Invalid(lineNumber, "no topic");
            }

            string filter = rest.Substring(word.Length).Trim();
            int access;
            if (filter.Length == 0)
            {
                filter = word;
                access = AclEntry.ReadWrite;
            }
            else
            {
                access = AccessNamed(word);
                if (access < 0)
                {
                    throw Invalid(lineNumber, "access '" + word + "' is not read, write, readwrite or deny");
                }
            }

            if (!TopicValidator.IsValidTopicFilter(filter))
            {
                throw Invalid(lineNumber, "'" + filter + "' is not a valid topic filter");
            }

            return new AclEntry(filter, access);
        }

        static int AccessNamed(string word)
        {
            if (word == "read")
            {
                return AclEntry.Read;
            }

            if (word == "write")
            {
                return AclEntry.Write;
            }

            if (word == "readwrite")
            {
                return AclEntry.ReadWrite;
            }

            return word == "deny" ? AclEntry.Deny : -1;
        }

        /// <summary>Denials go before grants, so any matching denial wins, as in mosquitto.</summary>
        static void Add(ArrayList entries, AclEntry entry)
        {
            if (entry.Access == AclEntry.Deny)
            {
                entries.Insert(0, entry);
            }
            else
            {
                entries.Add(entry);
            }
        }

        /// <summary>The word (up to the next space) that starts at or after <paramref name="from"/>; empty at the end.</summary>
        static string NextWord(string text, int from)
        {
            while (from < text.Length && text[from] == ' ')
            {
                from++;
            }

            int end = text.IndexOf(' ', from);
            return text.Substring(from, (end < 0 ? text.Length : end) - from);
        }

        static bool IsWildcardName(string name)
        {
            return name.IndexOf('+') >= 0 || name.IndexOf('#') >= 0;
        }

        static ArgumentException Invalid(int lineNumber, string problem)
        {
            return new ArgumentException("acl_file line " + lineNumber + ": " + problem);
        }
    }
}
