using System;

namespace EdgeBroker.Firmware.Storage
{
    /// <summary>
    /// Replays the log at start into the stores, entry by entry, and tells a crash from damage. A crash can only tear
    /// the entry being appended, the last one: so an entry that runs past the end of the file, fails its checksum as the
    /// file's last entry, or has a bad header followed only by erased bytes (0x00 or 0xFF) is a torn end, and the caller
    /// cuts it off. Anything else that fails its checks is damage and stops the start with an error that names the file;
    /// nothing is changed then, so an operator can still save what is there.
    /// </summary>
    internal static class LogRecovery
    {
        /// <summary>Applies every complete entry; returns true when the log ends in a torn entry.</summary>
        /// <param name="formatVersion">The log's format version, from its header.</param>
        public static bool Replay(LogFile file, RecordReader reader, FlashOfflineStore offline, ILogSection[] sections, out int formatVersion)
        {
            offline.ReplayLastIssuedId(LogHeader.Read(file, reader.Fields, out formatVersion));
            int offset = LogHeader.Size;
            while (offset < file.Length)
            {
                int status = reader.ReadHead(file, offset);
                if (status == RecordReader.Truncated)
                {
                    return true;
                }

                if (status == RecordReader.BadHeader)
                {
                    if (IsErased(file, offset, reader.Fields))
                    {
                        return true;
                    }

                    throw FlashStoreException.Damaged(file.Path, "the entry header at byte " + offset
                        + " fails its check and more data follows it");
                }

                if (!reader.ReadBody(null))
                {
                    if (offset + reader.Size == file.Length)
                    {
                        return true;
                    }

                    throw FlashStoreException.Damaged(file.Path, "the entry at byte " + offset
                        + " fails its checksum and more entries follow it");
                }

                Apply(file, reader, offset, sections);
                offset += reader.Size;
            }

            return false;
        }

        static void Apply(LogFile file, RecordReader reader, int offset, ILogSection[] sections)
        {
            RecordKind kind = reader.Kind;
            ILogSection owner = null;
            for (int i = 0; i < sections.Length && owner == null; i++)
            {
                if (sections[i].Owns(kind))
                {
                    owner = sections[i];
                }
            }

            if (owner == null)
            {
                throw FlashStoreException.Damaged(file.Path, "the entry at byte " + offset + " is of unknown kind " + (int)kind);
            }

            try
            {
                owner.Replay(reader, offset);
            }
            catch (Exception e)
            {
                throw FlashStoreException.Damaged(file.Path, "the entry at byte " + offset + " cannot be decoded", e);
            }
        }

        /// <summary>Whether everything from <paramref name="offset"/> to the end is one erased value (space a file
        /// system allocated for the last append but never wrote).</summary>
        static bool IsErased(LogFile file, int offset, RecordBuffer scratch)
        {
            scratch.Reset(RecordLog.ChunkSize);
            byte[] bytes = scratch.Bytes;
            int erased = -1;
            for (int position = offset; position < file.Length; )
            {
                int count = file.ReadAt(position, bytes, 0, RecordLog.ChunkSize);
                for (int i = 0; i < count; i++)
                {
                    if (erased < 0 && (bytes[i] == 0x00 || bytes[i] == 0xFF))
                    {
                        erased = bytes[i];
                    }

                    if (bytes[i] != erased)
                    {
                        return false;
                    }
                }

                position += count;
            }

            return true;
        }
    }
}
