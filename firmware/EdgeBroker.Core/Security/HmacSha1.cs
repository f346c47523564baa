namespace EdgeBroker.Core.Security
{
    /// <summary>HMAC-SHA1 (RFC 2104), on <see cref="Sha1"/>: the signature of ApsaraMQ's signature mode and the
    /// salted hash of device secrets.</summary>
    public static class HmacSha1
    {
        const byte InnerPad = 0x36;
        const byte OuterPad = 0x5C;

        public static byte[] Compute(byte[] key, byte[] data)
        {
            // Keys longer than a block are hashed first (RFC 2104 §2); shorter ones are zero-padded.
            byte[] blockKey = new byte[Sha1.BlockLength];
            byte[] shortKey = key.Length > Sha1.BlockLength ? Sha1.Hash(key) : key;
            System.Array.Copy(shortKey, 0, blockKey, 0, shortKey.Length);

            byte[] pad = new byte[Sha1.BlockLength];
            Sha1 sha = new Sha1();
            for (int i = 0; i < Sha1.BlockLength; i++)
            {
                pad[i] = (byte)(blockKey[i] ^ InnerPad);
            }

            sha.Append(pad, 0, pad.Length);
            sha.Append(data, 0, data.Length);
            byte[] inner = sha.Finish();

            for (int i = 0; i < Sha1.BlockLength; i++)
            {
                pad[i] = (byte)(blockKey[i] ^ OuterPad);
            }

            sha.Append(pad, 0, pad.Length);
            sha.Append(inner, 0, inner.Length);
            return sha.Finish();
        }
    }
}
