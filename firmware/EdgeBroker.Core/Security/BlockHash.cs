namespace EdgeBroker.Core.Security
{
    /// <summary>
    /// The part <see cref="Sha1"/> and <see cref="Sha512"/> share (FIPS 180-4 §5): bytes gathered into blocks, and the
    /// final padding — 0x80, zeros, the message length in bits big-endian at the end of the last block. Subclasses
    /// compress a block and give the digest. Not thread-safe; <see cref="Finish"/> resets the instance for the next message.
    /// </summary>
    public abstract class BlockHash
    {
        readonly byte[] _block;
        readonly int _lengthFieldBytes;
        int _blockFill;
        long _totalBytes;

        /// <param name="lengthFieldBytes">Bytes the length takes at the end of the last block (8 for SHA-1, 16 for
        /// SHA-512; only the low 64 bits are ever non-zero here).</param>
        protected BlockHash(int blockLength, int lengthFieldBytes)
        {
            _block = new byte[blockLength];
            _lengthFieldBytes = lengthFieldBytes;
        }

        public void Reset()
        {
            _blockFill = 0;
            _totalBytes = 0;
            ResetState();
        }

        public void Append(byte[] data, int offset, int count)
        {
            _totalBytes += count;
            for (int i = 0; i < count; i++)
            {
                _block[_blockFill++] = data[offset + i];
                if (_blockFill == _block.Length)
                {
                    ProcessBlock(_block);
                    _blockFill = 0;
                }
            }
        }

        /// <summary>Pads, returns the digest and resets, so the instance can hash the next message.</summary>
        public byte[] Finish()
        {
            long bitLength = _totalBytes * 8;
            _block[_blockFill++] = 0x80;
            if (_blockFill > _block.Length - _lengthFieldBytes)
            {
                while (_blockFill < _block.Length)
                {
                    _block[_blockFill++] = 0;
                }

                ProcessBlock(_block);
                _blockFill = 0;
            }

            while (_blockFill < _block.Length - 8)
            {
                _block[_blockFill++] = 0;
            }

            for (int i = 7; i >= 0; i--)
            {
                _block[_blockFill++] = (byte)(bitLength >> (i * 8));
            }

            ProcessBlock(_block);
            byte[] digest = Digest();
            Reset();
            return digest;
        }

        /// <summary>Sets the chaining state to the algorithm's initial value.</summary>
        protected abstract void ResetState();

        protected abstract void ProcessBlock(byte[] block);

        /// <summary>The chaining state as the digest's bytes, once the last block is processed.</summary>
        protected abstract byte[] Digest();
    }
}
