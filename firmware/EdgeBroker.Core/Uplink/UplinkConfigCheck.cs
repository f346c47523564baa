using System.Collections;
using EdgeBroker.Core.Topics;

namespace EdgeBroker.Core.Uplink
{
    /// <summary>
    /// Checks the configured uplinks before the broker starts; engines refuse to start (exit code 2) with the message.
    /// Besides each uplink's own settings it looks for loops that origin marks cannot stop. A message that came down an
    /// uplink is never offered back up the same one, so a single uplink with overlapping forward and subscribe rules
    /// ("both ways") is safe. Across uplinks it is not: a subscribe rule of uplink A whose local topics a forward rule
    /// of uplink B sends up, while B's upstream hands them back to one of B's subscribe rules whose local topics a
    /// forward rule of A sends up again, circulates forever. The check follows these hops (down a subscribe rule, up a
    /// forward rule of another uplink, back down a subscribe rule of an uplink with the same upstream) and refuses any
    /// cycle, naming its rules.
    /// </summary>
    public static class UplinkConfigCheck
    {
        /// <summary>Null when <paramref name="uplinks"/> (<see cref="UplinkSettings"/>) can run; otherwise what is wrong,
        /// naming the uplink and rule.</summary>
        public static string Check(ArrayList uplinks)
        {
            for (int i = 0; i < uplinks.Count; i++)
            {
                UplinkSettings settings = (UplinkSettings)uplinks[i];
                string error = CheckOne(settings);
                if (error != null)
                {
                    return error;
                }

                for (int j = 0; j < i; j++)
                {
                    if (((UplinkSettings)uplinks[j]).Name == settings.Name)
                    {
                        return "uplink '" + settings.Name + "' is configured twice";
                    }
                }
            }

            return FindLoop(uplinks);
        }

        static string CheckOne(UplinkSettings settings)
        {
            string name = "uplink '" + settings.Name + "'";
            if (settings.Name == null || settings.Name.Length == 0 || !TopicValidator.IsValidTopicName(settings.Name)
                || settings.Name.IndexOf('/') >= 0)
            {
                return "an uplink needs a name usable as one topic level (no '/', '+' or '#')";
            }

            if (settings.Addresses.Count == 0)
            {
                return name + " has no address (mqtt://host:port or mqtts://host:port)";
            }

            if (settings.ClientId == null || settings.ClientId.Length == 0)
            {
                return name + " has no client ID";
            }

            if (settings.InFlightWindow < 1 || settings.MaxQueuedMessages < 1 || settings.MaxQueuedBytes < 1)
            {
                return name + ": the in-flight window and the queue bounds must be at least 1";
            }

            if (settings.BackoffMinMs < 1 || settings.BackoffMaxMs < settings.BackoffMinMs)
            {
                return name + ": the backoff needs 1 <= min <= max";
            }

            if (settings.ProxyGroups.Count > 0 && settings.MaxProxySessions < 1)
            {
                return name + ": MaxProxySessions must be at least 1 where groups are proxied";
            }

            for (int i = 0; i < settings.ProxyGroups.Count; i++)
            {
                string group = (string)settings.ProxyGroups[i];

                // A group ID is what comes before "@@@" in a client ID: not empty, no "@@@" of its own.
                if (group == null || ClientIdentity.GroupOf(group + ClientIdentity.Separator + "x") != group)
                {
                    return name + ": proxy group '" + group + "' is not a group ID (such as GID_sensors)";
                }
            }

            if (settings.ForwardRules.Count == 0 && settings.SubscribeRules.Count == 0 && !settings.P2P && settings.ProxyGroups.Count == 0)
            {
                return name + " has no forward or subscribe rule, does not federate P2P and proxies no group";
            }

            string error = CheckRetainedRoutes(name, settings);
            if (error != null)
            {
                return error;
            }

            error = CheckRules(name, settings.ForwardRules);
            return error != null ? error : CheckRules(name, settings.SubscribeRules);
        }

        /// <summary>Retained routes need P2P on, a routes topic to publish under and a client ID that is one topic level
        /// (it names the gateway's status, routes and envelope address).</summary>
        static string CheckRetainedRoutes(string name, UplinkSettings settings)
        {
            if (settings.P2PRoutes != UplinkP2PRoutes.Retained)
            {
                return null;
            }

            if (!settings.P2P)
            {
                return name + ": retained P2P routes need P2P federation on";
            }

            string topic = settings.P2PRoutesTopic;
            if (topic == null || topic.Length == 0 || topic[0] == '$' || !TopicValidator.IsValidTopicName(topic))
            {
                return name + ": the P2P routes topic must be a topic name (no wildcards, not starting with '$')";
            }

            if (!P2PAddress.CanAddress(settings.ClientId))
            {
                return name + ": with retained P2P routes the client ID must be usable as one topic level (no '/', '+' or '#')";
            }

            if (settings.P2PMaxRoutes < 1 || settings.P2PRoutesGraceSeconds < 0)
            {
                return name + ": the P2P routes need at least 1 route and a grace of at least 0 seconds";
            }

            return null;
        }

        static string CheckRules(string name, ArrayList rules)
        {
            for (int i = 0; i < rules.Count; i++)
            {
                UplinkRule rule = (UplinkRule)rules[i];
                string described = name + " rule '" + rule.Describe() + "'";
                if (!TopicValidator.IsValidTopicFilter(rule.Filter))
                {
                    return described + ": not a valid topic filter";
                }

                if (rule.Qos < 0 || rule.Qos > 1)
                {
                    return described + ": the QoS must be 0 or 1";
                }

                if (!rule.FilterHasOwnPrefix)
                {
                    return described + ": the filter must start with its "
                        + (rule.Direction == UplinkDirection.Forward ? "local" : "remote") + " prefix";
                }

                if (!TopicValidator.IsValidTopicFilter(rule.LocalFilter) || !TopicValidator.IsValidTopicFilter(rule.RemoteFilter))
                {
                    return described + ": the remapped filter is not a valid topic filter";
                }
            }

            return null;
        }

        /// <summary>Depth-first search for a cycle of hops between rules; see the class summary for the hops.</summary>
        static string FindLoop(ArrayList uplinks)
        {
            ArrayList nodes = new ArrayList();
            for (int i = 0; i < uplinks.Count; i++)
            {
                UplinkSettings settings = (UplinkSettings)uplinks[i];
                AddNodes(nodes, settings, settings.ForwardRules);
                AddNodes(nodes, settings, settings.SubscribeRules);
            }

            int[] marks = new int[nodes.Count];
            int[] path = new int[nodes.Count];
            for (int start = 0; start < nodes.Count; start++)
            {
                if (marks[start] == 0)
                {
                    string loop = Visit(nodes, start, marks, path, 0);
                    if (loop != null)
                    {
                        return loop;
                    }
                }
            }

            return null;
        }

        static void AddNodes(ArrayList nodes, UplinkSettings settings, ArrayList rules)
        {
            for (int i = 0; i < rules.Count; i++)
            {
                nodes.Add(new RuleNode(settings, (UplinkRule)rules[i]));
            }
        }

        const int Visiting = 1;
        const int Done = 2;

        static string Visit(ArrayList nodes, int node, int[] marks, int[] path, int depth)
        {
            marks[node] = Visiting;
            path[depth] = node;
            for (int next = 0; next < nodes.Count; next++)
            {
                if (!Hops((RuleNode)nodes[node], (RuleNode)nodes[next]))
                {
                    continue;
                }

                if (marks[next] == Visiting)
                {
                    return DescribeLoop(nodes, path, depth, next);
                }

                if (marks[next] == 0)
                {
                    string loop = Visit(nodes, next, marks, path, depth + 1);
                    if (loop != null)
                    {
                        return loop;
                    }
                }
            }

            marks[node] = Done;
            return null;
        }

        /// <summary>Whether a message carried by <paramref name="from"/> can next be carried by <paramref name="to"/>.</summary>
        static bool Hops(RuleNode from, RuleNode to)
        {
            if (from.Rule.Direction == UplinkDirection.Subscribe)
            {
                // Down one uplink, then up another: origin marks only stop the same uplink.
                return to.Rule.Direction == UplinkDirection.Forward && to.Uplink != from.Uplink
                    && FilterOverlap.Overlaps(from.Rule.LocalFilter, to.Rule.LocalFilter);
            }

            // Up, then back down from the same upstream broker (it delivers a publication to matching subscriptions).
            return to.Rule.Direction == UplinkDirection.Subscribe && SameUpstream(from.Uplink, to.Uplink)
                && FilterOverlap.Overlaps(from.Rule.RemoteFilter, to.Rule.RemoteFilter);
        }

        static bool SameUpstream(UplinkSettings a, UplinkSettings b)
        {
            if (a == b)
            {
                return true;
            }

            for (int i = 0; i < a.Addresses.Count; i++)
            {
                for (int j = 0; j < b.Addresses.Count; j++)
                {
                    if (((UplinkAddress)a.Addresses[i]).Text == ((UplinkAddress)b.Addresses[j]).Text)
                    {
                        return true;
                    }
                }
            }

            return false;
        }

        static string DescribeLoop(ArrayList nodes, int[] path, int depth, int first)
        {
            string text = null;
            bool inLoop = false;
            for (int i = 0; i <= depth; i++)
            {
                inLoop |= path[i] == first;
                if (inLoop)
                {
                    RuleNode node = (RuleNode)nodes[path[i]];
                    string rule = "uplink '" + node.Uplink.Name + "' rule '" + node.Rule.Describe() + "'";
                    text = text == null ? rule : text + " → " + rule;
                }
            }

            return "uplink rules make a loop, messages would circulate: " + text + " → back to the first";
        }

        sealed class RuleNode
        {
            public RuleNode(UplinkSettings uplink, UplinkRule rule)
            {
                Uplink = uplink;
                Rule = rule;
            }

            public readonly UplinkSettings Uplink;
            public readonly UplinkRule Rule;
        }
    }
}
