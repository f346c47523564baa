using System.Collections;

namespace EdgeBroker.Core.Security
{
    /// <summary>Where issued tokens are kept so they survive a restart (host: SQLite; device: flash). Every call
    /// returns once the change is durable. Revoked and expired tokens are deleted, not kept.</summary>
    public interface ITokenStore
    {
        /// <summary>Every stored <see cref="TokenRecord"/>; read once at start.</summary>
        ArrayList LoadTokens();

        void SaveToken(TokenRecord token);

        void DeleteToken(string hash);
    }
}
