namespace EdgeBroker.Core.Security
{
    /// <summary>
    /// An issued token as the broker keeps it: never the token itself, only its hash, so the store cannot be
    /// replayed. A token covers parent topics (the first topic level): <c>R</c> lets its holder subscribe to filters
    /// under them, <c>W</c> publish to topics under them, P2P addresses included.
    /// </summary>
    public sealed class TokenRecord
    {
        /// <summary>Characters of the hash shown as <see cref="Id"/>: enough to tell tokens apart in logs and
        /// listings, useless for connecting.</summary>
        const int IdLength = 12;

        public TokenRecord(string hash, string accessKeyId, string[] parentTopics, bool canRead, bool canWrite, long expiresAtMs)
        {
            Hash = hash;
            AccessKeyId = accessKeyId;
            ParentTopics = parentTopics;
            CanRead = canRead;
            CanWrite = canWrite;
            ExpiresAtMs = expiresAtMs;
        }

        /// <summary>Hex SHA-1 of the token's UTF-8 bytes: the store key.</summary>
        public string Hash { get; private set; }

        public string Id { get { return Hash.Substring(0, IdLength); } }

        /// <summary>The access key it was issued to; only that key's user name can present it.</summary>
        public string AccessKeyId { get; private set; }

        public string[] ParentTopics { get; private set; }

        public bool CanRead { get; private set; }

        public bool CanWrite { get; private set; }

        public long ExpiresAtMs { get; private set; }

        /// <summary>Set in memory when revoked; clients holding it are disconnected and lose its grants.</summary>
        public bool Revoked { get; internal set; }

        public bool IsValidAt(long nowMs)
        {
            return !Revoked && nowMs < ExpiresAtMs;
        }

        /// <summary>Whether <paramref name="topic"/>'s first level is one of <see cref="ParentTopics"/>.</summary>
        public bool Covers(string topic)
        {
            for (int i = 0; i < ParentTopics.Length; i++)
            {
                string parent = ParentTopics[i];
                if (topic.Length >= parent.Length
                    && (topic.Length == parent.Length || topic[parent.Length] == '/')
                    && StartsWith(topic, parent))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>Whether this token grants everything <paramref name="other"/> grants by topic: each of its parent
        /// topics is covered here.</summary>
        public bool CoversAllOf(TokenRecord other)
        {
            for (int i = 0; i < other.ParentTopics.Length; i++)
            {
                if (!Covers(other.ParentTopics[i]))
                {
                    return false;
                }
            }

            return true;
        }

        static bool StartsWith(string text, string prefix)
        {
            for (int i = 0; i < prefix.Length; i++)
            {
                if (text[i] != prefix[i])
                {
                    return false;
                }
            }

            return true;
        }
    }
}
