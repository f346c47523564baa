using System.Security.Cryptography;
using EdgeBroker.Core.Security;

namespace EdgeBroker.Relay.Tests.Support;

/// <summary>Cryptographic randomness for the secrets the gateway makes while tests pair devices.</summary>
internal sealed class TestRandom : IRandomSource
{
    public void Fill(byte[] buffer) => RandomNumberGenerator.Fill(buffer);
}
