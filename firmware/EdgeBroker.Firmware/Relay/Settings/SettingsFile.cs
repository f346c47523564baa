using System.Collections;
using EdgeBroker.Core.Collections;
using EdgeBroker.Core.Text;

namespace EdgeBroker.Firmware.Relay.Settings
{
    /// <summary>
    /// The gateway's configuration file (<c>edgebroker.conf</c> on <c>I:</c>, or in the emulator's data directory):
    /// one <c>key = value</c> per line, <c>#</c> starts a comment line, keys are case-sensitive. A plain format because
    /// the device has no JSON parser in its core libraries and a person edits this file before flashing it.
    /// </summary>
    public sealed class SettingsFile
    {
        public const string FileName = "edgebroker.conf";

        readonly StringMap _values = new StringMap(16);
        readonly ArrayList _keys = new ArrayList();
        readonly ArrayList _problems = new ArrayList();

        /// <summary>Lines that are neither comments, blank, nor <c>key = value</c>, and values of the wrong kind.</summary>
        public ArrayList Problems
        {
            get { return _problems; }
        }

        public static SettingsFile Parse(string text)
        {
            SettingsFile file = new SettingsFile();
            ArrayList lines = TextLines.Split(text);
            for (int i = 0; i < lines.Count; i++)
            {
                file.ParseLine((string)lines[i], i + 1);
            }

            return file;
        }

        /// <summary>The value of <paramref name="key"/>, or null when the file does not set it.</summary>
        public string Get(string key)
        {
            return (string)_values.Get(key);
        }

        /// <summary>The keys set in the file that start with <paramref name="prefix"/>, in the file's order (for keys that
        /// name something, such as <c>access_key.{id}</c>).</summary>
        public ArrayList KeysStartingWith(string prefix)
        {
            ArrayList keys = new ArrayList();
            for (int i = 0; i < _keys.Count; i++)
            {
                string key = (string)_keys[i];
                if (key.Length >= prefix.Length && key.Substring(0, prefix.Length) == prefix)
                {
                    keys.Add(key);
                }
            }

            return keys;
        }

        /// <summary>The comma-separated values set for <paramref name="key"/>, trimmed, empty ones left out; an empty array
        /// when the file does not set it.</summary>
        public string[] GetList(string key)
        {
            string text = Get(key);
            ArrayList items = new ArrayList();
            int start = 0;
            while (text != null && start <= text.Length)
            {
                int end = text.IndexOf(',', start);
                if (end < 0)
                {
                    end = text.Length;
                }

                string item = text.Substring(start, end - start).Trim();
                if (item.Length > 0)
                {
                    items.Add(item);
                }

                start = end + 1;
            }

            string[] list = new string[items.Count];
            for (int i = 0; i < list.Length; i++)
            {
                list[i] = (string)items[i];
            }

            return list;
        }

        /// <summary>The whole number set for <paramref name="key"/>, or <paramref name="fallback"/> when it is not set;
        /// a value that is not a whole number within [minimum, maximum] is reported in <see cref="Problems"/>.</summary>
        public int GetInt(string key, int fallback, int minimum, int maximum)
        {
            string text = Get(key);
            if (text == null)
            {
                return fallback;
            }

            int value = 0;
            bool valid = text.Length > 0 && text.Length <= 9;
            for (int i = 0; valid && i < text.Length; i++)
            {
                char c = text[i];
                valid = c >= '0' && c <= '9';
                value = value * 10 + (c - '0');
            }

            if (!valid || value < minimum || value > maximum)
            {
                _problems.Add(key + " = " + text + " is not a whole number from " + minimum + " to " + maximum);
                return fallback;
            }

            return value;
        }

        void ParseLine(string line, int lineNumber)
        {
            if (line.Length == 0 || line[0] == '#')
            {
                return;
            }

            int equals = line.IndexOf('=');
            if (equals <= 0)
            {
                _problems.Add("line " + lineNumber + " is not 'key = value': " + line);
                return;
            }

            string key = line.Substring(0, equals).Trim();
            if (_values.Get(key) == null)
            {
                _keys.Add(key);
            }

            _values.Set(key, line.Substring(equals + 1).Trim());
        }
    }
}
