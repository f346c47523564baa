namespace EdgeBroker.Core.Security
{
    /// <summary>
    /// Cryptographically strong random bytes for secrets, tokens and salts. The core has no I/O and no opinion on
    /// where entropy comes from: the host passes RandomNumberGenerator, the device its hardware generator.
    /// </summary>
    public interface IRandomSource
    {
        void Fill(byte[] buffer);
    }
}
