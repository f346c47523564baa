using EdgeBroker.Core.Collections;

namespace EdgeBroker.Core.Text
{
    /// <summary>
    /// Reads the one kind of JSON a client sends the broker: a single object whose members are strings, numbers,
    /// <c>true</c>, <c>false</c> or <c>null</c> (ApsaraMQ's <c>$SYS/uploadToken</c> payload,
    /// <c>{"token":"…","type":"RW"}</c>). Written by hand because nanoFramework 1.x has no JSON parser in its core
    /// libraries; strict RFC 8259 for what it takes (escapes included: a client's JSON library may write <c>\/</c> or
    /// <c>\u003d</c>), and it refuses nesting rather than skipping it.
    /// </summary>
    public static class FlatJsonObject
    {
        /// <summary>The members of <paramref name="json"/> by name: a string member's value unescaped, any other
        /// member's value as written. Null when the text is not one such object, or names a member twice.</summary>
        public static StringMap Parse(string json)
        {
            StringMap members = new StringMap(4);
            int at = SkipSpace(json, 0);
            if (at >= json.Length || json[at] != '{')
            {
                return null;
            }

            at = SkipSpace(json, at + 1);
            if (at < json.Length && json[at] == '}')
            {
                return SkipSpace(json, at + 1) == json.Length ? members : null;
            }

            while (true)
            {
                string name = ReadString(json, ref at);
                at = SkipSpace(json, at);
                if (name == null || at >= json.Length || json[at] != ':' || members.Get(name) != null)
                {
                    return null;
                }

                at = SkipSpace(json, at + 1);
                string value = at < json.Length && json[at] == '"' ? ReadString(json, ref at) : ReadScalar(json, ref at);
                if (value == null)
                {
                    return null;
                }

                members.Set(name, value);
                at = SkipSpace(json, at);
                if (at >= json.Length)
                {
                    return null;
                }

                if (json[at] == '}')
                {
                    return SkipSpace(json, at + 1) == json.Length ? members : null;
                }

                if (json[at] != ',')
                {
                    return null;
                }

                at = SkipSpace(json, at + 1);
            }
        }

        static int SkipSpace(string json, int at)
        {
            while (at < json.Length && (json[at] == ' ' || json[at] == '\t' || json[at] == '\n' || json[at] == '\r'))
            {
                at++;
            }

            return at;
        }

        /// <summary>The string literal at <paramref name="at"/>, unescaped, with <paramref name="at"/> moved past its
        /// closing quote; null when there is none or it is malformed.</summary>
        static string ReadString(string json, ref int at)
        {
            if (at >= json.Length || json[at] != '"')
            {
                return null;
            }

            // Unescaped text is never longer than the literal.
            char[] chars = new char[json.Length - at];
            int length = 0;
            int i = at + 1;
            while (i < json.Length)
            {
                char c = json[i];
                if (c == '"')
                {
                    at = i + 1;
                    return new string(chars, 0, length);
                }

                if (c < ' ')
                {
                    return null;
                }

                if (c != '\\')
                {
                    chars[length++] = c;
                    i++;
                    continue;
                }

                if (i + 1 >= json.Length)
                {
                    return null;
                }

                char escaped = json[i + 1];
                i += 2;
                switch (escaped)
                {
                    case '"':
                    case '\\':
                    case '/':
                        chars[length++] = escaped;
                        break;
                    case 'b':
                        chars[length++] = '\b';
                        break;
                    case 'f':
                        chars[length++] = '\f';
                        break;
                    case 'n':
                        chars[length++] = '\n';
                        break;
                    case 'r':
                        chars[length++] = '\r';
                        break;
                    case 't':
                        chars[length++] = '\t';
                        break;
                    case 'u':
                        int code = HexValue(json, i);
                        if (code < 0)
                        {
                            return null;
                        }

                        chars[length++] = (char)code;
                        i += 4;
                        break;
                    default:
                        return null;
                }
            }

            return null;
        }

        /// <summary>The value of four hex digits at <paramref name="at"/>, or -1.</summary>
        static int HexValue(string json, int at)
        {
            if (at + 4 > json.Length)
            {
                return -1;
            }

            int value = 0;
            for (int i = at; i < at + 4; i++)
            {
                char c = json[i];
                int digit = c >= '0' && c <= '9' ? c - '0'
                    : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10
                    : -1;
                if (digit < 0)
                {
                    return -1;
                }

                value = value * 16 + digit;
            }

            return value;
        }

        /// <summary>A number, <c>true</c>, <c>false</c> or <c>null</c> as written (its characters checked loosely:
        /// the broker reads none of them); null for an object, an array or anything else.</summary>
        static string ReadScalar(string json, ref int at)
        {
            int start = at;
            while (at < json.Length && IsScalarChar(json[at]))
            {
                at++;
            }

            return at == start ? null : json.Substring(start, at - start);
        }

        static bool IsScalarChar(char c)
        {
            return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '-' || c == '+' || c == '.' || c == 'E';
        }
    }
}
