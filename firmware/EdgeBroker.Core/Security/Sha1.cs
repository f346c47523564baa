namespace EdgeBroker.Core.Security
{
    /// <summary>
    /// SHA-1 (RFC 3174 / FIPS 180-4), incremental. nanoFramework 1.x ships HMACSHA256/512 and AES in
    /// System.Security.Cryptography but no SHA-1, and ApsaraMQ's signature mode is defined on HMAC-SHA1, so both
    /// engines use this one implementation. SHA-1's collision weakness does not affect HMAC-SHA1 or salted secret
    /// hashes, which rest on its pseudo-random behaviour, not on collision resistance.
    /// </summary>
    public sealed class Sha1 : BlockHash
    {
        public const int HashLength = 20;
        public const int BlockLength = 64;

        readonly uint[] _schedule = new uint[80];
        uint _h0;
        uint _h1;
        uint _h2;
        uint _h3;
        uint _h4;

        public Sha1()
            : base(BlockLength, 8)
        {
            Reset();
        }

        /// <summary>The digest of <paramref name="data"/> in one call.</summary>
        public static byte[] Hash(byte[] data)
        {
            Sha1 sha = new Sha1();
            sha.Append(data, 0, data.Length);
            return sha.Finish();
        }

        protected override void ResetState()
        {
            _h0 = 0x67452301;
            _h1 = 0xEFCDAB89;
            _h2 = 0x98BADCFE;
            _h3 = 0x10325476;
            _h4 = 0xC3D2E1F0;
        }

        protected override byte[] Digest()
        {
            byte[] digest = new byte[HashLength];
            WriteBigEndian(_h0, digest, 0);
            WriteBigEndian(_h1, digest, 4);
            WriteBigEndian(_h2, digest, 8);
            WriteBigEndian(_h3, digest, 12);
            WriteBigEndian(_h4, digest, 16);
            return digest;
        }

        protected override void ProcessBlock(byte[] block)
        {
            uint[] w = _schedule;
            for (int t = 0; t < 16; t++)
            {
                int at = t * 4;
                w[t] = ((uint)block[at] << 24) | ((uint)block[at + 1] << 16) | ((uint)block[at + 2] << 8) | block[at + 3];
            }

            for (int t = 16; t < 80; t++)
            {
                w[t] = RotateLeft(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
            }

            uint a = _h0;
            uint b = _h1;
            uint c = _h2;
            uint d = _h3;
            uint e = _h4;
            for (int t = 0; t < 80; t++)
            {
                uint f;
                uint k;
                if (t < 20)
                {
                    f = (b & c) | (~b & d);
                    k = 0x5A827999;
                }
                else if (t < 40)
                {
                    f = b ^ c ^ d;
                    k = 0x6ED9EBA1;
                }
                else if (t < 60)
                {
                    f = (b & c) | (b & d) | (c & d);
                    k = 0x8F1BBCDC;
                }
                else
                {
                    f = b ^ c ^ d;
                    k = 0xCA62C1D6;
                }

                uint temp = unchecked(RotateLeft(a, 5) + f + e + k + w[t]);
                e = d;
                d = c;
                c = RotateLeft(b, 30);
                b = a;
                a = temp;
            }

            unchecked
            {
                _h0 += a;
                _h1 += b;
                _h2 += c;
                _h3 += d;
                _h4 += e;
            }
        }

        static uint RotateLeft(uint value, int bits)
        {
            return (value << bits) | (value >> (32 - bits));
        }

        static void WriteBigEndian(uint value, byte[] target, int offset)
        {
            target[offset] = (byte)(value >> 24);
            target[offset + 1] = (byte)(value >> 16);
            target[offset + 2] = (byte)(value >> 8);
            target[offset + 3] = (byte)value;
        }
    }
}
