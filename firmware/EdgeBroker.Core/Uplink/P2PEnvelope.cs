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
        /// <summary>Announcements: <c>$eb/route/{clientId}</c>, payload <c>1</c> (a client of the announcer),
        /// <c>1/{gateway}/…</c> (reachable through those gateways below the announcer) or empty (gone).</summary>
        public const string AnnouncementPrefix = "$eb/route/";

        /// <summary>The first character of an announcement that says "reachable through me".</summary>
        const char Reachable = '1';

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

        /// <summary>The payload announcing a client reachable along <paramref name="pathBelow"/> ("" for a client of
        /// the announcer itself), or the empty payload of "gone" when it is null.</summary>
        public static byte[] AnnouncementPayload(string pathBelow)
        {
            if (pathBelow == null)
            {
                return new byte[0];
            }

            return Utf8.GetBytes(pathBelow.Length == 0 ? "1" : "1/" + pathBelow);
        }

        /// <summary>
        /// What an announcement's payload says: null for "gone" (or a payload that is no announcement), "" for a client
        /// of the announcer, otherwise the gateways below the announcer on the way to it.
        /// </summary>
        public static string AnnouncedPath(byte[] payload, int offset, int length)
        {
            if (length == 0 || length > MaxAnnouncementBytes || payload[offset] != (byte)Reachable)
            {
                return null;
            }

            if (length == 1)
            {
                return "";
            }

            char[] chars = new char[length];
            int count = Utf8.DecodeMqtt(payload, offset, length, chars);
            if (count < 3 || chars[1] != '/')
            {
                return null;
            }

            string path = new string(chars, 2, count - 2);
            return HasNoEmptyLevel(path, 0) && TopicValidator.IsValidTopicName(path) ? path : null;
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
