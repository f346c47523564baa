using System.Collections;

namespace EdgeBroker.Core.Security
{
    /// <summary>Tokens on the heap: nothing survives the process. For brokers without a durable store, and tests.</summary>
    public sealed class MemoryTokenStore : ITokenStore
    {
        readonly object _sync = new object();
        readonly ArrayList _tokens = new ArrayList();

        public ArrayList LoadTokens()
        {
            ArrayList copy = new ArrayList();
            lock (_sync)
            {
                for (int i = 0; i < _tokens.Count; i++)
                {
                    copy.Add(_tokens[i]);
                }
            }

            return copy;
        }

        public void SaveToken(TokenRecord token)
        {
            lock (_sync)
            {
                RemoveHash(token.Hash);
                _tokens.Add(token);
            }
        }

        public void DeleteToken(string hash)
        {
            lock (_sync)
            {
                RemoveHash(hash);
            }
        }

        void RemoveHash(string hash)
        {
            for (int i = 0; i < _tokens.Count; i++)
            {
                if (((TokenRecord)_tokens[i]).Hash == hash)
                {
                    _tokens.RemoveAt(i);
                    return;
                }
            }
        }
    }
}
