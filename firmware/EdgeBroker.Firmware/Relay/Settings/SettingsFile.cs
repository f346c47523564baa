using System.Collections;
using EdgeBroker.Core.Collections;
using EdgeBroker.Core.Text;

namespace EdgeBroker.Firmware.Relay.Settings
{
    /// <summary>
    /// The gateway's configuration file (<c>edgebroker.conf</c> on <c>I:</c>, or in the emulator's data directory):
    /// one <c>key = value</c> per line, <c>#</c> starts a comment (a whole line, or after a value: see
    /// <see cref="Value"/>), keys are case-sensitive. A plain format because
    /// the device has no JSON parser in its core libraries and a person edits this file before flashing it.
    /// <para>
    /// The file learns which keys exist from the settings classes asking for them (<see cref="Get"/>,
    /// <see cref="KeysStartingWith"/>): once every class has read its settings, <see cref="CheckUnknownKeys"/> reports
    /// a key nobody asked for — a typo or a key of another version — instead of the gateway silently running on
    /// defaults. A class that reads some keys only under a condition (another key set) asks for them anyway while the
    /// condition does not hold, so they are ignored rather than unknown (as the uplink's keys without <c>uplink</c>).
    /// </para>
    /// </summary>
    public sealed class SettingsFile
    {
        public const string FileName = "edgebroker.conf";

        readonly StringMap _values = new StringMap(16);
        readonly ArrayList _keys = new ArrayList();
        readonly ArrayList _problems = new ArrayList();
        readonly StringMap _lines = new StringMap(16);
        readonly StringMap _asked = new StringMap(64);
        readonly ArrayList _askedKeys = new ArrayList();
        readonly ArrayList _askedPrefixes = new ArrayList();

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
            if (_asked.Get(key) == null)
            {
                _asked.Set(key, key);
                _askedKeys.Add(key);
            }

            return (string)_values.Get(key);
        }

        /// <summary>Every key the settings classes have asked for so far, in the order asked: the keys this version
        /// knows.</summary>
        public ArrayList KnownKeys
        {
            get { return _askedKeys; }
        }

        /// <summary>Adds a problem for each key in the file that no settings class has asked for, naming its line and
        /// the nearest known key. Call once, after every class has read the file.</summary>
        public void CheckUnknownKeys()
        {
            for (int i = 0; i < _keys.Count; i++)
            {
                string key = (string)_keys[i];
                if (_asked.Get(key) != null || HasAskedPrefix(key))
                {
                    continue;
                }

                string problem = "line " + (int)_lines.Get(key) + ": unknown key '" + key + "'";
                string nearest = NearestName.Find(key, _askedKeys);
                _problems.Add(nearest == null ? problem : problem + " (did you mean " + nearest + "?)");
            }
        }

        bool HasAskedPrefix(string key)
        {
            for (int i = 0; i < _askedPrefixes.Count; i++)
            {
                string prefix = (string)_askedPrefixes[i];
                if (StartsWith(key, prefix))
                {
                    return true;
                }
            }

            return false;
        }

        static bool StartsWith(string text, string prefix)
        {
            return text.Length >= prefix.Length && text.Substring(0, prefix.Length) == prefix;
        }

        /// <summary>The keys set in the file that start with <paramref name="prefix"/>, in the file's order (for keys that
        /// name something, such as <c>access_key.{id}</c>).</summary>
        public ArrayList KeysStartingWith(string prefix)
        {
            _askedPrefixes.Add(prefix);
            ArrayList keys = new ArrayList();
            for (int i = 0; i < _keys.Count; i++)
            {
                string key = (string)_keys[i];
                if (StartsWith(key, prefix))
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

            // A leading minus for the keys whose minimum is negative (-1: "no such pin").
            int sign = text.Length > 0 && text[0] == '-' ? 1 : 0;
            int value = 0;
            bool valid = text.Length > sign && text.Length - sign <= 9;
            for (int i = sign; valid && i < text.Length; i++)
            {
                char c = text[i];
                valid = c >= '0' && c <= '9';
                value = value * 10 + (c - '0');
            }

            value = sign == 1 ? -value : value;

            if (!valid || value < minimum || value > maximum)
            {
                AddProblem(key, key + " = " + text + " is not a whole number from " + minimum + " to " + maximum);
                return fallback;
            }

            return value;
        }

        /// <summary>Reports <paramref name="problem"/> with the value of <paramref name="key"/>, naming the key's line when
        /// the file sets it (a check on the device's own default has no line).</summary>
        public void AddProblem(string key, string problem)
        {
            object line = _lines.Get(key);
            _problems.Add(line == null ? problem : "line " + (int)line + ": " + problem);
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
                // The line itself is not repeated: a mistyped "access_key.AK: secret" would put the secret in the log.
                _problems.Add("line " + lineNumber + " is not 'key = value' (not shown: it may hold a secret)");
                return;
            }

            string key = line.Substring(0, equals).Trim();
            string value = Value(line.Substring(equals + 1).Trim(), lineNumber);
            if (value == null)
            {
                return;
            }

            if (_values.Get(key) == null)
            {
                _keys.Add(key);
                _lines.Set(key, lineNumber);
            }

            _values.Set(key, value);
        }

        /// <summary>
        /// The value in <paramref name="text"/> (what follows the <c>=</c>, trimmed), without a trailing comment: a
        /// <c>#</c> that begins a word (at the start or after a space or tab) starts a comment, so the commented-out
        /// examples of <c>hardware/edgebroker.conf</c> work once uncommented, while <c>#</c> inside a word stays part of
        /// the value (a topic filter <c>site/#</c>, a password <c>pa#ss</c>). A value in double quotes is taken as
        /// written between the first and the last quote of the line — spaces, <c>#</c> and quotes included — for a
        /// password or secret that needs them; only a comment may follow it. Null (and a problem reported) when the
        /// line is not one of those.
        /// </summary>
        string Value(string text, int lineNumber)
        {
            if (text.Length > 0 && text[0] == '"')
            {
                int closing = text.LastIndexOf('"');
                string rest = closing > 0 ? text.Substring(closing + 1).Trim() : null;
                if (rest == null || (rest.Length > 0 && rest[0] != '#'))
                {
                    _problems.Add("line " + lineNumber + ": a quoted value must end with a quote, followed by nothing but a comment");
                    return null;
                }

                return text.Substring(1, closing - 1);
            }

            for (int i = 0; i < text.Length; i++)
            {
                if (text[i] == '#' && (i == 0 || text[i - 1] == ' ' || text[i - 1] == '\t'))
                {
                    return text.Substring(0, i).Trim();
                }
            }

            return text;
        }
    }
}
