using System.Collections;
using EdgeBroker.Core.Collections;
using EdgeBroker.Core.Text;

namespace EdgeBroker.Core.Security
{
    /// <summary>
    /// Issues, finds and revokes tokens. All tokens are held in memory (there are few, and a CONNECT or an expiry
    /// check must not wait for the store) and written through to the <see cref="ITokenStore"/>. Not thread-safe:
    /// <see cref="BrokerSecurity"/> serialises calls.
    /// </summary>
    public sealed class TokenRegistry
    {
        readonly ITokenStore _store;
        readonly SecretGenerator _secrets;
        readonly StringMap _byHash = new StringMap(16);
        readonly ArrayList _tokens = new ArrayList();

        public TokenRegistry(ITokenStore store, SecretGenerator secrets)
        {
            _store = store;
            _secrets = secrets;
            ArrayList stored = store.LoadTokens();
            for (int i = 0; i < stored.Count; i++)
            {
                Remember((TokenRecord)stored[i]);
            }
        }

        public int Count { get { return _tokens.Count; } }

        /// <summary>The store key of a token: its hex SHA-1. Unsalted, because a presented token must be found by
        /// value; safe because tokens are 144 random bits, beyond any guessing of the hash's input.</summary>
        public static string HashOf(string token)
        {
            return Hex.Of(Sha1.Hash(Utf8.GetBytes(token)));
        }

        /// <summary>Issues a token for <paramref name="parentTopics"/>, each a parent topic or <c>parent/#</c> (kept as
        /// the parent: <see cref="ParentTopic.OfTokenResource"/>).</summary>
        public TokenIssue Issue(string accessKeyId, string[] parentTopics, bool canRead, bool canWrite, long expiresAtMs, long nowMs)
        {
            if (!canRead && !canWrite)
            {
                return TokenIssue.Refused("actions must include R, W or both");
            }

            if (parentTopics == null || parentTopics.Length == 0)
            {
                return TokenIssue.Refused("at least one parent topic is required");
            }

            string[] parents = new string[parentTopics.Length];
            for (int i = 0; i < parentTopics.Length; i++)
            {
                parents[i] = ParentTopic.OfTokenResource(parentTopics[i]);
                if (parents[i] == null)
                {
                    return TokenIssue.Refused("not a parent topic (one level, or one level and /#; no other wildcards, not $): " + parentTopics[i]);
                }
            }

            if (!TimeBoundCredentials.CanBeJudgedAt(nowMs))
            {
                // The expiry is a date: against an unset clock it cannot be told to lie ahead.
                return TokenIssue.Refused(TimeBoundCredentials.ClockNotSetReason);
            }

            if (expiresAtMs <= nowMs)
            {
                return TokenIssue.Refused("the expiry time has passed");
            }

            string token = _secrets.NewSecret();
            TokenRecord tokenRecord = new TokenRecord(HashOf(token), accessKeyId, parents, canRead, canWrite, expiresAtMs);
            _store.SaveToken(tokenRecord);
            Remember(tokenRecord);
            return TokenIssue.Issued(token, tokenRecord);
        }

        /// <summary>The entry of <paramref name="token"/> — a revoked one until it would have run out, so a client
        /// presenting it hears that it was revoked (<see cref="TokenNotice.CodeRevoked"/>) — or null when it was never
        /// issued or has run out and been purged.</summary>
        public TokenRecord Find(string token)
        {
            return (TokenRecord)_byHash.Get(HashOf(token));
        }

        /// <summary>Revokes <paramref name="token"/>: it stops authenticating at once, and clients using it are
        /// reported by <see cref="BrokerSecurity.ClientsToDisconnect"/>. It is deleted from the store (a restart
        /// forgets it, and it never authenticates again) and kept here, marked, until it would have run out: no longer
        /// than it was kept while valid. False when it is unknown or already revoked.</summary>
        public bool Revoke(string token)
        {
            TokenRecord tokenRecord = Find(token);
            if (tokenRecord == null || tokenRecord.Revoked)
            {
                return false;
            }

            tokenRecord.Revoked = true;
            _store.DeleteToken(tokenRecord.Hash);
            return true;
        }

        /// <summary>Forgets the tokens that have run out, revoked ones included (they no longer authenticate anyway);
        /// returns how many.</summary>
        public int PurgeExpired(long nowMs)
        {
            int purged = 0;
            for (int i = _tokens.Count - 1; i >= 0; i--)
            {
                TokenRecord tokenRecord = (TokenRecord)_tokens[i];
                if (nowMs >= tokenRecord.ExpiresAtMs)
                {
                    Forget(tokenRecord);
                    purged++;
                }
            }

            return purged;
        }

        void Remember(TokenRecord tokenRecord)
        {
            _byHash.Set(tokenRecord.Hash, tokenRecord);
            _tokens.Add(tokenRecord);
        }

        void Forget(TokenRecord tokenRecord)
        {
            _store.DeleteToken(tokenRecord.Hash);
            _byHash.Remove(tokenRecord.Hash);
            _tokens.Remove(tokenRecord);
        }
    }
}
