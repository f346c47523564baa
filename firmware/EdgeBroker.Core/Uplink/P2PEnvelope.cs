using EdgeBroker.Core.Topics;

namespace EdgeBroker.Core.Uplink
{
    /// <summary>
    /// The wire forms of P2P federation (docs/federation.md), one definition for every engine: the down-envelope
    /// <c>{parent}/p2p/{gatewayClientId}/{hops}/{targetClientId}</c>, the route announcement
    /// <c>$eb/route/{clientId}</c>, and the hop count. The envelope keeps everything in the topic, so it is the same on
    /// MQTT 5 and 3.1.1 and survives being kept in an offline store whatever protocol later delivers it.
    /// </summary>
    public static class P2PEnvelope
    {
        /// <summary>Announcements: <c>$eb/route/{clientId}</c>, payload <see cref="Reachable"/> or empty (gone).</summary>
        public const string AnnouncementPrefix = "$eb/route/";

        /// <summary>The payload byte of an announcement that says "reachable through me".</summary>
        public const byte Reachable = (byte)'1';

        /// <summary>The MQTT 5 user property that carries the hop count upward.</summary>
        public const string HopsProperty = "eb-hops";

        /// <summary>The default of <see cref="Federation.MaxHops"/>.</summary>
        public const int DefaultMaxHops = 8;

        /// <summary>Hop counts are read up to this value; anything larger counts as this (beyond every sane maximum).</summary>
        const int HopsCeiling = 999;

        /// <summary>The envelope that takes the P2P address <paramref name="topic"/> (receiver at
        /// <paramref name="receiverStart"/>) to <paramref name="gatewayClientId"/>'s session.</summary>
        public static string Wrap(string topic, int receiverStart, string gatewayClientId, int hops)
        {
            return topic.Substring(0, receiverStart) + gatewayClientId + "/" + hops.ToString() + "/"
                + topic.Substring(receiverStart);
        }

        /// <summary>
        /// The P2P address inside an envelope addressed to <paramref name="ownClientId"/>, or null when
        /// <paramref name="topic"/> is no such envelope; <paramref name="hops"/> is its hop count.
        /// </summary>
        public static string Unwrap(string topic, string ownClientId, out int hops)
        {
            hops = 0;
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
            if (hopsEnd <= hopsStart || hopsEnd == topic.Length - 1 || topic.IndexOf('/', hopsEnd + 1) >= 0)
            {
                return null;
            }

            hops = ParseHops(topic, hopsStart, hopsEnd - hopsStart);
            if (hops < 0)
            {
                return null;
            }

            return P2PAddress.For(topic.Substring(0, firstSlash), topic.Substring(hopsEnd + 1));
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
        static bool HasAt(string text, int start, string part)
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
