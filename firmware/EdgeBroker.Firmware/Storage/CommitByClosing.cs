using System.Collections;

namespace EdgeBroker.Firmware.Storage
{
    /// <summary>
    /// The drives on which a file's appended bytes reach the medium only when the file is closed, not when it is
    /// flushed. The device names them at boot (which file system a drive has is the device's knowledge, see
    /// <c>Device/Program.cs</c>); a store opened under one of them closes and reopens its log at every durable change
    /// (<see cref="LogFile.Flush"/>). Nothing is named on the PC (the emulator, the tests), where a flush is enough.
    /// </summary>
    public static class CommitByClosing
    {
        static readonly ArrayList s_roots = new ArrayList();

        /// <summary>Stores opened under <paramref name="root"/> (a drive such as <c>I:\</c>, or any directory) from now
        /// on commit by closing.</summary>
        public static void Require(string root)
        {
            lock (s_roots)
            {
                s_roots.Add(root);
            }
        }

        /// <summary>Whether a store in <paramref name="directory"/> must commit by closing.</summary>
        public static bool IsRequiredFor(string directory)
        {
            lock (s_roots)
            {
                for (int i = 0; i < s_roots.Count; i++)
                {
                    if (directory.StartsWith((string)s_roots[i]))
                    {
                        return true;
                    }
                }

                return false;
            }
        }
    }
}
