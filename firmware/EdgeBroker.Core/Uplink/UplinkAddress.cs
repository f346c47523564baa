using EdgeBroker.Core.Text;

namespace EdgeBroker.Core.Uplink
{
    /// <summary>An upstream broker's address, <c>mqtt://host:port</c> or <c>mqtts://host:port</c> (TLS); the port
    /// defaults to 1883 and 8883.</summary>
    public sealed class UplinkAddress
    {
        public const int MqttPort = 1883;
        public const int MqttsPort = 8883;

        UplinkAddress(string host, int port, bool tls)
        {
            Host = host;
            Port = port;
            Tls = tls;
            Text = (tls ? "mqtts://" : "mqtt://") + UrlHost.WithPort(host, port);
        }

        public string Host { get; private set; }

        public int Port { get; private set; }

        public bool Tls { get; private set; }

        /// <summary>The address written out in full, port included: how status and logs show it.</summary>
        public string Text { get; private set; }

        /// <summary>What a failed attempt's message adds when the upstream closed the connection before answering the
        /// CONNECT: the likeliest cause, a port that speaks the other of plain MQTT and TLS (a plain port reads a TLS
        /// handshake as a malformed packet; a TLS port reads a CONNECT as a bad handshake, and both close).</summary>
        /// <param name="tls">Whether the attempt was made with TLS (<see cref="Tls"/>).</param>
        public static string ClosedEarlyHint(bool tls)
        {
            return tls
                ? "; if that port speaks plain MQTT, the address needs mqtt://, not mqtts://"
                : "; if that port speaks MQTT over TLS, the address needs mqtts://";
        }

        /// <summary>Why <paramref name="text"/> is not an address, for the refusal of a setting that has it. An address
        /// with user information (<c>mqtt://user:password@host</c>) is described without being repeated: it carries a
        /// password, and the refusal goes to the console and the device's log.</summary>
        public static string Refusal(string text)
        {
            if (HasUserInfo(text))
            {
                return "an upstream address has a user name or password in it (user:password@host), which an address may not "
                    + "carry; give the address as mqtt://host:port or mqtts://host:port and the credentials in the uplink's own "
                    + "settings (host: AuthMode UserPassword with UserName and Password; edgebroker.conf: uplink_auth = password "
                    + "with uplink_username and uplink_password)";
            }

            return "'" + text + "' is not an upstream address (mqtt://host:port or mqtts://host:port)";
        }

        /// <summary>Reads an address; null when it is not of the form <c>mqtt[s]://host[:port]</c>. User information
        /// (<c>user:password@</c>) is refused rather than read as part of the host name, which would show the password
        /// wherever the address is shown (log, <c>$SYS/uplink/…/state</c>, status); <see cref="Refusal"/> says why.</summary>
        public static UplinkAddress Parse(string text)
        {
            if (text == null || HasUserInfo(text))
            {
                return null;
            }

            bool tls;
            int start;
            if (StartsWith(text, "mqtts://"))
            {
                tls = true;
                start = 8;
            }
            else if (StartsWith(text, "mqtt://"))
            {
                tls = false;
                start = 7;
            }
            else
            {
                return null;
            }

            string rest = text.Substring(start);
            if (rest.Length > 0 && rest[rest.Length - 1] == '/')
            {
                rest = rest.Substring(0, rest.Length - 1);
            }

            int port = tls ? MqttsPort : MqttPort;
            int colon = LastColon(rest);
            bool bracketed = rest.Length > 0 && rest[0] == '[';
            if (colon >= 0 && (!bracketed || colon > rest.IndexOf(']')))
            {
                port = ParsePort(rest.Substring(colon + 1));
                rest = rest.Substring(0, colon);
            }

            if (bracketed && rest.Length > 1 && rest[rest.Length - 1] == ']')
            {
                rest = rest.Substring(1, rest.Length - 2);
            }

            if (rest.Length == 0 || port <= 0 || rest.IndexOf('/') >= 0)
            {
                return null;
            }

            return new UplinkAddress(rest, port, tls);
        }

        /// <summary>Whether <paramref name="text"/> has an '@' anywhere: no host name, IP address or port has one, so it
        /// can only be user information, misplaced or not.</summary>
        static bool HasUserInfo(string text)
        {
            return text != null && text.IndexOf('@') >= 0;
        }

        static int ParsePort(string text)
        {
            if (text.Length == 0 || text.Length > 5)
            {
                return 0;
            }

            int port = 0;
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                if (c < '0' || c > '9')
                {
                    return 0;
                }

                port = port * 10 + (c - '0');
            }

            return port <= 65535 ? port : 0;
        }

        static bool StartsWith(string text, string prefix)
        {
            return text.Length >= prefix.Length && text.Substring(0, prefix.Length) == prefix;
        }

        static int LastColon(string text)
        {
            int i = text.Length - 1;
            while (i >= 0 && text[i] != ':')
            {
                i--;
            }

            return i;
        }
    }
}
