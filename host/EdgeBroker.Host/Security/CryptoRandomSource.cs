using System.Security.Cryptography;
using EdgeBroker.Core.Security;

namespace EdgeBroker.Host.Security;

/// <summary>The operating system's cryptographic generator, for device secrets, tokens and salts.</summary>
sealed class CryptoRandomSource : IRandomSource
{
    public void Fill(byte[] buffer) => RandomNumberGenerator.Fill(buffer);
}
