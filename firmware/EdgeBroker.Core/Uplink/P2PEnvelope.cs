using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Text;
using EdgeBroker.Core.Topics;

namespace EdgeBroker.Core.Uplink
{
    /// <summary>
    /// The wire forms of P2P federation (docs/federation.md), one definition for every engine: the down-envelope
    /// <c>{parent}/p2p/{gatewayClientId}/{hops}/{via…/}{targetClientId}</c> — the gateways below the addressed one, down
    /// to the target's, then the target —, the unreachable notice
    /// <c>{parent}/p2p/{gatewayClientId}/unreachable/{targetClientId}</c>, the route announcement <c>$eb/route/{clientId}</c> with the path below the
    /// announcer, and the hop count. The envelope keeps everything in the topic, so it is the same on MQTT 5 and 3.1.1,
    /// survives being kept in an offline store whatever protocol later delivers it, and needs no route table at the
    /// gateways it passes (a restarted middle tier forwards it before its own gateways announced anything).
    /// </summary>
    public static class P2PEnvelope
    {
        /// <summary>Announcements: <c>$eb/route/{clientId}</c>, payload <c>1</c> (a client of the announcer, connected),
        /// <c>0</c> (it has only an away persistent session there), either followed by <c>/{gateway}/…</c> when it is
        /// reached through those gateways below the announcer, or empty (gone). A gateway older than the <c>0</c> says
        /// <c>1</c> for an away session too, so <c>1</c> cannot be told from connected. An upstream sends its gateway
        /// the same topic with <c>1</c> (<see cref="ConnectedElsewhereNotice"/>): the client is connected on another
        /// gateway.</summary>
        public const string AnnouncementPrefix = "$eb/route/";

        /// <summary>The route of an announcement that says "connected".</summary>
        public const string Connected = "1";

        /// <summary>The route of an announcement that says "only an away session".</summary>
        public const string Away = "0";

        /// <summary>Longest announcement payload read (a path of gateway client IDs); longer ones are ignored.</summary>
        const int MaxAnnouncementBytes = 1024;

        /// <summary>The level of an unreachable notice where an envelope has its hop count (so an envelope parser
        /// rejects it: not a number).</summary>
        const string UnreachableLevel = "unreachable";

        /// <summary>The MQTT 5 user property that carries the hop count upward.</summary>
        public const string HopsProperty = "eb-hops";

        /// <summary>The default of <see cref="Federation.MaxHops"/>.</summary>
        public const int DefaultMaxHops = 8;

        /// <summary>Hop counts are read up to this value; anything larger counts as this (beyond every sane maximum).</summary>
        const int HopsCeiling = 999;

        /// <summary>The envelope that takes the P2P address <paramref name="topic"/> (receiver at
        /// <paramref name="receiverStart"/>) along <paramref name="path"/>: the client ID of the gateway session here
        /// first, then the gateways below it, <c>/</c>-separated.</summary>
        public static string Wrap(string topic, int receiverStart, string path, int hops)
        {
            int firstSlash = path.IndexOf('/');
            string gateway = firstSlash < 0 ? path : path.Substring(0, firstSlash);
            string via = firstSlash < 0 ? "" : path.Substring(firstSlash + 1) + "/";
            return topic.Substring(0, receiverStart) + gateway + "/" + hops.ToString() + "/" + via + topic.Substring(receiverStart);
        }

        /// <summary>The notice that <paramref name="target"/> is unknown everywhere, for the gateway session
        /// <paramref name="gatewayClientId"/>: <c>{parent}/p2p/{gatewayClientId}/unreachable/{target}</c>, the parent
        /// topic and target taken from the P2P address <paramref name="topic"/> (receiver at
        /// <paramref name="receiverStart"/>).</summary>
        public static string UnreachableNotice(string topic, int receiverStart, string gatewayClientId)
        {
            return topic.Substring(0, receiverStart) + gatewayClientId + "/" + UnreachableLevel + "/" + topic.Substring(receiverStart);
        }

        /// <summary>The P2P address (<c>{parent}/p2p/{target}</c>) an unreachable notice for
        /// <paramref name="ownClientId"/> is about, or null when <paramref name="topic"/> is no such notice.</summary>
        public static string UnreachableTarget(string topic, string ownClientId)
        {
            int firstSlash = topic.IndexOf('/');
            if (firstSlash <= 0 || topic[0] == '$')
            {
                return null;
            }

            string marker = "/" + P2PAddress.Marker + "/" + ownClientId + "/" + UnreachableLevel + "/";
            int targetStart = firstSlash + marker.Length;
            if (!HasAt(topic, firstSlash, marker) || targetStart == topic.Length || topic.IndexOf('/', targetStart) >= 0)
            {
                return null;
            }

            return P2PAddress.For(topic.Substring(0, firstSlash), topic.Substring(targetStart));
        }

        /// <summary>
        /// The P2P address inside an envelope addressed to <paramref name="ownClientId"/>, or null when
        /// <paramref name="topic"/> is no such envelope; <paramref name="hops"/> is its hop count and
        /// <paramref name="via"/> the gateways below this one it must pass, or null when the target is a client here.
        /// </summary>
        public static string Unwrap(string topic, string ownClientId, out int hops, out string via)
        {
            hops = 0;
            via = null;
            int firstSlash = topic.IndexOf('/');
            if (firstSlash <= 0 || topic[0] == '$')
            {
                return null;
            }

            string marker = "/" + P2PAddress.Marker + "/" + ownClientId + "/";
            if (!HasAt(topic, firstSlash, marker))
            {
                return null;
            }

            int hopsStart = firstSlash + marker.Length;
            int hopsEnd = topic.IndexOf('/', hopsStart);
            int targetStart = topic.LastIndexOf('/') + 1;
            if (hopsEnd <= hopsStart || targetStart == topic.Length || !HasNoEmptyLevel(topic, hopsEnd + 1))
            {
                return null;
            }

            hops = ParseHops(topic, hopsStart, hopsEnd - hopsStart);
            if (hops < 0)
            {
                return null;
            }

            if (targetStart > hopsEnd + 1)
            {
                via = topic.Substring(hopsEnd + 1, targetStart - hopsEnd - 2);
            }

            return P2PAddress.For(topic.Substring(0, firstSlash), topic.Substring(targetStart));
        }

        /// <summary>The route announcing a client reachable along <paramref name="pathBelow"/> ("" for a client of the
        /// announcer itself), <paramref name="connected"/> or with only an away session: the text of its announcement's
        /// payload.</summary>
        public static string RouteOf(string pathBelow, bool connected)
        {
            string state = connected ? Connected : Away;
            return pathBelow.Length == 0 ? state : state + "/" + pathBelow;
        }

        /// <summary>The gateways below the announcer on the way to the client a route (<see cref="RouteOf"/>) leads to;
        /// "" for a client of the announcer.</summary>
        public static string PathOf(string route)
        {
            return route.Length == 1 ? "" : route.Substring(2);
        }

        /// <summary>Whether a route (<see cref="RouteOf"/>) says the client is connected.</summary>
        public static bool IsConnected(string route)
        {
            return route[0] == Connected[0];
        }

        /// <summary>The payload announcing <paramref name="route"/> (<see cref="RouteOf"/>), or the empty payload of
        /// "gone" when it is null.</summary>
        public static byte[] AnnouncementPayload(string route)
        {
            return route == null ? new byte[0] : Utf8.GetBytes(route);
        }

        /// <summary>
        /// The route an announcement's payload says (<see cref="RouteOf"/>): null for "gone" (or a payload that is no
        /// announcement).
        /// </summary>
        public static string AnnouncedRoute(byte[] payload, int offset, int length)
        {
            if (length == 0 || length > MaxAnnouncementBytes || (payload[offset] != (byte)Connected[0] && payload[offset] != (byte)Away[0]))
            {
                return null;
            }

            if (length == 1)
            {
                return payload[offset] == (byte)Connected[0] ? Connected : Away;
            }

            char[] chars = new char[length];
            int count = Utf8.DecodeMqtt(payload, offset, length, chars);
            if (count < 3 || chars[1] != '/')
            {
                return null;
            }

            string route = new string(chars, 0, count);
            return HasNoEmptyLevel(route, 2) && TopicValidator.IsValidTopicName(route) ? route : null;
        }

        /// <summary>What an upstream sends a gateway below whose client has only an away session there while the client
        /// is connected on another gateway (docs/federation.md, "A client that moves"): an announcement the other way,
        /// on <c>$eb/route/{clientId}</c>, saying <c>1</c>. QoS 0, never kept: a gateway that reconnects announces its
        /// away session again and is told again.</summary>
        public static RoutedMessage ConnectedElsewhereNotice(string clientId)
        {
            return new RoutedMessage(AnnouncementPrefix + clientId, Utf8.GetBytes(Connected), 0, false);
        }

        /// <summary>Whether the payload of an announcement an upstream sent down says the client is connected elsewhere
        /// (<see cref="ConnectedElsewhereNotice"/>).</summary>
        public static bool SaysConnected(byte[] payload)
        {
            return payload != null && payload.Length == 1 && payload[0] == (byte)Connected[0];
        }

        /// <summary>Whether <paramref name="text"/> from <paramref name="start"/> on is levels that are not empty.</summary>
        static bool HasNoEmptyLevel(string text, int start)
        {
            if (start >= text.Length || text[start] == '/' || text[text.Length - 1] == '/')
            {
                return false;
            }

            for (int i = start + 1; i < text.Length; i++)
            {
                if (text[i] == '/' && text[i - 1] == '/')
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>The client ID an announcement is about, or null when <paramref name="topic"/> is none.</summary>
        public static string AnnouncedClientId(string topic)
        {
            if (topic.Length <= AnnouncementPrefix.Length || !HasAt(topic, 0, AnnouncementPrefix))
            {
                return null;
            }

            string clientId = topic.Substring(AnnouncementPrefix.Length);
            return clientId.IndexOf('/') >= 0 ? null : clientId;
        }

        /// <summary>The hop count an MQTT 5 <see cref="HopsProperty"/> value says; 0 when it is missing or not a
        /// decimal number.</summary>
        public static int HopsOf(string property)
        {
            if (property == null)
            {
                return 0;
            }

            int hops = ParseHops(property, 0, property.Length);
            return hops < 0 ? 0 : hops;
        }

        /// <summary>A decimal count of at most <see cref="HopsCeiling"/>, or -1 when the text is not one.</summary>
        static int ParseHops(string text, int start, int length)
        {
            if (length == 0)
            {
                return -1;
            }

            int value = 0;
            for (int i = start; i < start + length; i++)
            {
                char c = text[i];
                if (c < '0' || c > '9')
                {
                    return -1;
                }

                if (value < HopsCeiling)
                {
                    value = value * 10 + (c - '0');
                }
            }

            return value > HopsCeiling ? HopsCeiling : value;
        }

        /// <summary>Whether <paramref name="part"/> occurs in <paramref name="text"/> at <paramref name="start"/>.</summary>
        internal static bool HasAt(string text, int start, string part)
        {
            if (start + part.Length > text.Length)
            {
                return false;
            }

            for (int i = 0; i < part.Length; i++)
            {
                if (text[start + i] != part[i])
                {
                    return false;
                }
            }

            return true;
        }
    }
}
