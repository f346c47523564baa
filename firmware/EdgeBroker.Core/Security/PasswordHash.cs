using System;

namespace EdgeBroker.Core.Security
{
    /// <summary>
    /// One password hash as mosquitto_passwd writes it: <c>$7$ITERATIONS$SALT$HASH</c>, PBKDF2-HMAC-SHA512 (mosquitto
    /// 2.x), or <c>$6$SALT$HASH</c>, SHA-512 of the password then the salt (mosquitto 1.x); salt (12 bytes) and hash
    /// (64 bytes) in Base64.
    /// </summary>
    public sealed class PasswordHash
    {
        const int SaltLength = 12;
        const byte InnerPad = 0x36;
        const byte OuterPad = 0x5C;

        readonly int _iterations;
        readonly byte[] _salt;
        readonly byte[] _hash;

        PasswordHash(int iterations, byte[] salt, byte[] hash)
        {
            _iterations = iterations;
            _salt = salt;
            _hash = hash;
        }

        /// <summary>The hash in <paramref name="text"/>; null when it is not one of the two forms.</summary>
        public static PasswordHash Parse(string text)
        {
            if (text.Length < 4 || text[0] != '$' || text[2] != '$' || (text[1] != '6' && text[1] != '7'))
            {
                return null;
            }

            int at = 3;
            int iterations = 0;
            if (text[1] == '7')
            {
                int end = text.IndexOf('$', at);
                iterations = end < 0 ? 0 : ParseIterations(text, at, end);
                if (iterations < 1)
                {
                    return null;
                }

                at = end + 1;
            }

            int split = text.IndexOf('$', at);
            if (split < 0)
            {
                return null;
            }

            byte[] salt = FromBase64(text.Substring(at, split - at));
            byte[] hash = FromBase64(text.Substring(split + 1));
            if (salt == null || hash == null || salt.Length != SaltLength || hash.Length != Sha512.HashLength)
            {
                return null;
            }

            return new PasswordHash(iterations, salt, hash);
        }

        public bool Matches(byte[] password)
        {
            byte[] computed = _iterations == 0 ? SaltedSha512(password) : Pbkdf2(password);
            return ConstantTime.AreEqual(_hash, computed);
        }

        byte[] SaltedSha512(byte[] password)
        {
            Sha512 sha = new Sha512();
            sha.Append(password, 0, password.Length);
            sha.Append(_salt, 0, _salt.Length);
            return sha.Finish();
        }

        /// <summary>PBKDF2 (RFC 8018) with HMAC-SHA512: one 64-byte block, all mosquitto keeps.</summary>
        byte[] Pbkdf2(byte[] password)
        {
            byte[] key = new byte[Sha512.BlockLength];
            byte[] shortKey = password.Length > Sha512.BlockLength ? Sha512.Hash(password) : password;
            Array.Copy(shortKey, 0, key, 0, shortKey.Length);
            byte[] innerPad = new byte[Sha512.BlockLength];
            byte[] outerPad = new byte[Sha512.BlockLength];
            for (int i = 0; i < Sha512.BlockLength; i++)
            {
                innerPad[i] = (byte)(key[i] ^ InnerPad);
                outerPad[i] = (byte)(key[i] ^ OuterPad);
            }

            byte[] firstMessage = new byte[_salt.Length + 4];
            Array.Copy(_salt, 0, firstMessage, 0, _salt.Length);
            firstMessage[firstMessage.Length - 1] = 1; // block index 1, big-endian
            Sha512 sha = new Sha512();
            byte[] u = Hmac(sha, innerPad, outerPad, firstMessage);
            byte[] result = new byte[Sha512.HashLength];
            Array.Copy(u, 0, result, 0, u.Length);
            for (int iteration = 1; iteration < _iterations; iteration++)
            {
                u = Hmac(sha, innerPad, outerPad, u);
                for (int i = 0; i < result.Length; i++)
                {
                    result[i] ^= u[i];
                }
            }

            return result;
        }

        static byte[] Hmac(Sha512 sha, byte[] innerPad, byte[] outerPad, byte[] message)
        {
            sha.Append(innerPad, 0, innerPad.Length);
            sha.Append(message, 0, message.Length);
            byte[] inner = sha.Finish();
            sha.Append(outerPad, 0, outerPad.Length);
            sha.Append(inner, 0, inner.Length);
            return sha.Finish();
        }

        static int ParseIterations(string text, int start, int end)
        {
            if (end - start < 1 || end - start > 9)
            {
                return 0;
            }

            int value = 0;
            for (int i = start; i < end; i++)
            {
                if (text[i] < '0' || text[i] > '9')
                {
                    return 0;
                }

                value = value * 10 + (text[i] - '0');
            }

            return value;
        }

        static byte[] FromBase64(string text)
        {
            try
            {
                return Convert.FromBase64String(text);
            }
            catch (FormatException)
            {
                return null;
            }
        }
    }
}
