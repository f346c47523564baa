using System.Security.Cryptography;
using EdgeBroker.Core.Security;

namespace EdgeBroker.Emulator;

/// <summary>The PC's cryptographic random generator, standing in for the device's hardware one.</summary>
public sealed class SystemRandom : IRandomSource
{
    public void Fill(byte[] buffer) => RandomNumberGenerator.Fill(buffer);
}
