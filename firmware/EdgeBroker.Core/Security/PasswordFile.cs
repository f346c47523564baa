using System;
using System.Collections;
using EdgeBroker.Core.Collections;
using EdgeBroker.Core.Text;

namespace EdgeBroker.Core.Security
{
    /// <summary>
    /// User names and password hashes in mosquitto's <c>password_file</c> format, as <c>mosquitto_passwd</c> writes it:
    /// one <c>user:HASH</c> per line (<see cref="PasswordHash"/>), <c>#</c> starting a comment, lines without a colon or
    /// without a hash ignored as mosquitto ignores them. A hash in neither of mosquitto's forms is refused with its line
    /// number and user name (never the hash), where mosquitto would drop the user with an error.
    /// </summary>
    public sealed class PasswordFile
    {
        readonly StringMap _users = new StringMap(16);

        PasswordFile()
        {
        }

        public int UserCount
        {
            get { return _users.Count; }
        }

        /// <summary>Reads the text of a password file; throws <see cref="ArgumentException"/> on a hash it cannot use.</summary>
        public static PasswordFile Parse(string text)
        {
            PasswordFile file = new PasswordFile();
            ArrayList lines = TextLines.Split(text);
            for (int i = 0; i < lines.Count; i++)
            {
                int lineNumber = i + 1;
                string line = (string)lines[i];
                int colon = line.IndexOf(':');
                if (line.Length == 0 || line[0] == '#' || colon < 0)
                {
                    continue;
                }

                string user = line.Substring(0, colon).Trim();
                int hashEnd = line.IndexOf(':', colon + 1);
                string hash = line.Substring(colon + 1, (hashEnd < 0 ? line.Length : hashEnd) - colon - 1).Trim();
                if (user.Length == 0 || hash.Length == 0)
                {
                    continue;
                }

                PasswordHash parsed = PasswordHash.Parse(hash);
                if (parsed == null)
                {
                    throw new ArgumentException("password_file line " + lineNumber + " (user " + user
                        + "): not a mosquitto_passwd hash ($7$ PBKDF2-SHA512 or $6$ SHA-512)");
                }

                file._users.Set(user, parsed);
            }

            return file;
        }

        /// <summary>True when <paramref name="userName"/> is in the file and <paramref name="password"/> matches its hash.</summary>
        public bool Verify(string userName, byte[] password)
        {
            PasswordHash hash = (PasswordHash)_users.Get(userName);
            return hash != null && password != null && hash.Matches(password);
        }
    }
}
