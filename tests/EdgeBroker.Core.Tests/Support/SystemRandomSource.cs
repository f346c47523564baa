using System.Security.Cryptography;
using EdgeBroker.Core.Security;

namespace EdgeBroker.Core.Tests.Support;

/// <summary>The host's random source: the operating system's cryptographic generator.</summary>
internal sealed class SystemRandomSource : IRandomSource
{
    public void Fill(byte[] buffer) => RandomNumberGenerator.Fill(buffer);
}
