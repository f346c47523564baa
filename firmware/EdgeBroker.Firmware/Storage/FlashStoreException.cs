using System;

namespace EdgeBroker.Firmware.Storage
{
    /// <summary>
    /// The flash log cannot be used as it is, or has no room for a change that must not be lost. The message names the
    /// file and what to do: the broker refuses to start (or to go on) rather than start empty and lose what the file
    /// holds.
    /// </summary>
    public sealed class FlashStoreException : Exception
    {
        public FlashStoreException(string message)
            : base(message)
        {
        }

        public FlashStoreException(string message, Exception inner)
            : base(message, inner)
        {
        }

        /// <summary>The file is there but its content cannot be trusted; nothing was changed.</summary>
        internal static FlashStoreException Damaged(string path, string detail)
        {
            return new FlashStoreException(DamagedMessage(path, detail));
        }

        internal static FlashStoreException Damaged(string path, string detail, Exception inner)
        {
            return new FlashStoreException(DamagedMessage(path, detail), inner);
        }

        static string DamagedMessage(string path, string detail)
        {
            return "The offline store " + path + " is damaged (" + detail + "). Nothing was changed. "
                + "Restore it from a backup, or move it away (or delete it) to start with an empty store.";
        }
    }
}
