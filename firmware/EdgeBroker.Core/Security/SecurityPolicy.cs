using EdgeBroker.Core.Access;
using EdgeBroker.Core.Limits;
using EdgeBroker.Core.Topics;
using EdgeBroker.Core.Uplink;

namespace EdgeBroker.Core.Security
{
    /// <summary>
    /// The access policy once security is configured; the router and engines ask it before every PUBLISH and
    /// SUBSCRIBE. A client may act only while it has a live authenticated connection, and only where all that
    /// applies to it agrees: its access rule, its tokens (token mode), the cross-group P2P rule when configured, for
    /// <c>$SYS</c> the configured subscriber list, and the <see cref="AclFile"/> when one is configured.
    /// Allocation-free on the PUBLISH path, except for acl_file patterns, filled in with <c>%c</c> and <c>%u</c> per check.
    /// </summary>
    public sealed class SecurityPolicy : IAccessPolicy
    {
        public const string ReasonReservedTopic = "clients may not publish to $ topics";
        public const string ReasonNotAuthenticated = "no authenticated connection (or its credentials were revoked or expired)";
        public const string ReasonPairingConnection = "a pairing connection may only receive its credentials";
        public const string ReasonRule = "not allowed by the client's access rule";
        public const string ReasonToken = "not granted by the client's token";
        public const string ReasonOtherGroup = "P2P to a client of another group";
        public const string ReasonSys = "$SYS subscriptions are for configured clients only";
        public const string ReasonAclFile = "not allowed by the acl_file";
        public const string ReasonNotGateway = "not a P2P gateway here (P2PGateways): its route announcements are ignored";
        public const string ReasonGroupNotServed = "announces a client of a group its access key does not serve: those route announcements are ignored";

        const string SysRoot = "$SYS";

        /// <summary>Characters of "/p2p/" between a P2P address's parent topic and its receiver.</summary>
        const int P2PMarkerLength = 5;

        readonly SecurityOptions _options;
        readonly ConnectedClients _clients;
        readonly AccessCounters _counters;

        /// <summary>One client that keeps sending what it may not (a PUBLISH a second to another group's topic) would
        /// otherwise write a line per packet: each client's refusals are logged once a minute, and all counted.
        /// PUBLISH and SUBSCRIBE apart, so a refused publish does not hide the client's refused subscription.</summary>
        readonly ProblemReports _publishReports;
        readonly ProblemReports _subscribeReports;

        public SecurityPolicy(SecurityOptions options, ConnectedClients clients, AccessCounters counters)
        {
            _options = options;
            _clients = clients;
            _counters = counters;
            _publishReports = new ProblemReports(options.Throttle.MaxTrackedAddresses);
            _subscribeReports = new ProblemReports(options.Throttle.MaxTrackedAddresses);
        }

        /// <summary>Called on a denial to be logged (each client's first in a minute), for logging; may be null.</summary>
        public AccessDeniedHandler Denied { get; set; }

        public bool CanPublish(string clientId, string topic, int p2pReceiverStart)
        {
            string reason = PublishDenial(clientId, topic, p2pReceiverStart);
            if (reason == null)
            {
                return true;
            }

            _counters.CountPublishDenied();
            ReportThinned(_publishReports, clientId, topic, true, reason);
            return false;
        }

        public bool CanSubscribe(string clientId, string filter)
        {
            string reason = SubscribeDenial(clientId, filter);
            if (reason == null)
            {
                return true;
            }

            _counters.CountSubscribeDenied();
            ReportThinned(_subscribeReports, clientId, filter, false, reason);
            return false;
        }

        /// <summary>A refusal is counted every time and reported once per connection.</summary>
        public bool CanAnnounceRoutes(string clientId, string announcementTopic)
        {
            AuthenticatedClient client = _clients.Find(clientId);
            string reason = ConnectionDenial(client);
            if (reason == null)
            {
                reason = !MayAnnounceRoutes(client) ? ReasonNotGateway
                    : !ServesGroupOf(client, P2PEnvelope.AnnouncedClientId(announcementTopic)) ? ReasonGroupNotServed
                    : null;
            }

            if (reason == null)
            {
                return true;
            }

            _counters.CountAnnouncementRefused();
            if (client != null && !client.AnnouncementRefusalReported)
            {
                client.AnnouncementRefusalReported = true;
                Report(clientId, announcementTopic, true, reason);
            }

            return false;
        }

        public string RouteAnnouncers
        {
            get
            {
                string[] gateways = _options.P2PGateways;
                if (gateways.Length == 0)
                {
                    return IsOpenBroker
                        ? "every client (an open broker: no access key, anonymous clients admitted; list the gateways in "
                            + SecurityOptions.P2PGatewaysSetting + " to restrict them)"
                        : "no client (a broker with credentials takes them only from the gateways listed in "
                            + SecurityOptions.P2PGatewaysSetting + ")";
                }

                string listed = "";
                for (int i = 0; i < gateways.Length; i++)
                {
                    listed += (i == 0 ? "" : ", ") + gateways[i];
                }

                return "the P2PGateways " + listed + (IsOpenBroker ? "" : ", connected with credentials, for the groups their access keys serve");
            }
        }

        public string P2PReach
        {
            get
            {
                string[] applicationGroups = _options.ApplicationGroups;
                if (!_options.P2PWithinGroupsOnly)
                {
                    return "clients of every group, as on ApsaraMQ for MQTT: the sender's publish rule for the parent topic decides; "
                        + SecurityOptions.P2PWithinGroupsOnlySetting + " keeps P2P within groups"
                        + (applicationGroups.Length > 0 ? ", and until it is set the ApplicationGroups listed change nothing" : "");
                }

                if (IsOpenBroker)
                {
                    return "clients of every group (an open broker: no access key, anonymous clients admitted)";
                }

                string listed = "";
                for (int i = 0; i < applicationGroups.Length; i++)
                {
                    listed += ", " + applicationGroups[i];
                }

                return "the sender's own group and the application groups" + (listed.Length == 0 ? " (none listed)" : listed.Substring(1))
                    + ", and every group from an application group or under a rule with P2PToOtherGroups ("
                    + SecurityOptions.P2PWithinGroupsOnlySetting + ")";
            }
        }

        /// <summary>Listed in <see cref="SecurityOptions.P2PGateways"/> and connected with credentials (an anonymous
        /// client could claim any client ID) unless the broker is open; with none listed, anyone on an open broker and
        /// nobody on a broker with credentials. An announcement attracts the P2P messages of the client it names, so a
        /// broker with credentials takes it only from clients the operator named as gateways: an access key that serves
        /// every group is typically also the applications' key, and not every holder of it is a gateway.</summary>
        bool MayAnnounceRoutes(AuthenticatedClient client)
        {
            if (_options.P2PGateways.Length == 0)
            {
                return IsOpenBroker;
            }

            return (IsOpenBroker || client.Mode != AuthMode.Anonymous) && _options.IsP2PGateway(client.ClientId, client.Group);
        }

        /// <summary>A gateway that signed in with an access key announces only clients of the groups that key serves (it
        /// could not sign them in here either); one without a key (a paired device, a password-file user) is bounded by
        /// its listing alone.</summary>
        static bool ServesGroupOf(AuthenticatedClient client, string announcedClientId)
        {
            return client.AccessKey == null
                || (announcedClientId != null && client.AccessKey.Serves(ClientIdentity.GroupOf(announcedClientId)));
        }

        string PublishDenial(string clientId, string topic, int p2pReceiverStart)
        {
            if (TopicValidator.IsReserved(topic))
            {
                return ReasonReservedTopic;
            }

            AuthenticatedClient client = _clients.Find(clientId);
            string reason = ConnectionDenial(client);
            if (reason != null)
            {
                return reason;
            }

            // A P2P address is judged by its parent topic: a rule for "app" covers "app/p2p/{anyone}".
            int judgedLength = p2pReceiverStart >= 0 ? p2pReceiverStart - P2PMarkerLength : topic.Length;
            if (!AnyMatches(client.Rule.PublishFilters, topic, judgedLength))
            {
                return ReasonRule;
            }

            if (client.Mode == AuthMode.Token && !Grants(client.WriteToken, topic))
            {
                return ReasonToken;
            }

            if (p2pReceiverStart >= 0 && !MayReachGroupOf(client, topic, p2pReceiverStart))
            {
                return ReasonOtherGroup;
            }

            AclFile aclFile = _options.AclFile;
            if (aclFile != null && !aclFile.MayPublish(client.ClientId, client.UserName, topic))
            {
                return ReasonAclFile;
            }

            return null;
        }

        string SubscribeDenial(string clientId, string filter)
        {
            AuthenticatedClient client = _clients.Find(clientId);
            string reason = ConnectionDenial(client);
            if (reason != null)
            {
                return reason;
            }

            if (TopicValidator.IsReserved(filter))
            {
                // A Token-mode client gets its token notices unsubscribed; ported code may subscribe all the same.
                bool ownTokenNotices = client.Mode == AuthMode.Token && TokenNotice.IsNoticeTopic(filter);
                if (!ownTokenNotices && (!IsSysFilter(filter) || !MaySubscribeToSys(client)))
                {
                    return ReasonSys;
                }
            }
            else if (!AnyCovers(client.Rule.SubscribeFilters, filter))
            {
                return ReasonRule;
            }
            else if (client.Mode == AuthMode.Token && !Grants(client.ReadToken, filter))
            {
                return ReasonToken;
            }

            AclFile aclFile = _options.AclFile;
            if (aclFile != null && !aclFile.MaySubscribe(client.ClientId, client.UserName, filter))
            {
                return ReasonAclFile;
            }

            return null;
        }

        /// <summary>
        /// A broker that admits anonymous clients and has no access key is open: anyone may connect, no application
        /// could hold credentials, and it keeps the behaviour of a broker without security — <c>$SYS</c> may be
        /// subscribed and P2P reaches every group (rules still limit topics, and a pairing connection still may do
        /// nothing).
        /// </summary>
        bool IsOpenBroker
        {
            get { return _options.AllowAnonymous && _options.AccessKeyCount == 0; }
        }

        /// <summary><c>$SYS</c> is for the configured subscribers that connected with credentials proving their client ID
        /// — the rule of a session takeover (<see cref="AuthenticatedClient.ProvesClientId"/>): anonymous, Token and
        /// password-file clients choose their ID freely —, or anyone on an open broker.</summary>
        bool MaySubscribeToSys(AuthenticatedClient client)
        {
            return IsOpenBroker || (client.ProvesClientId && _options.IsSysSubscriber(client.ClientId));
        }

        static string ConnectionDenial(AuthenticatedClient client)
        {
            if (client == null || client.DisconnectReason != null)
            {
                return ReasonNotAuthenticated;
            }

            return client.Mode == AuthMode.Pairing ? ReasonPairingConnection : null;
        }

        /// <summary>
        /// Every group, as ApsaraMQ for MQTT's P2P model has it (the publish rule for the parent topic is the only check);
        /// with <see cref="SecurityOptions.P2PWithinGroupsOnly"/>: the same group, or either side in an application group,
        /// or a rule that allows every group, or an open broker.
        /// </summary>
        bool MayReachGroupOf(AuthenticatedClient client, string topic, int receiverStart)
        {
            if (!_options.P2PWithinGroupsOnly
                || IsOpenBroker
                || client.Rule.P2PToOtherGroups
                || ClientIdentity.IsInGroup(topic, receiverStart, client.Group)
                || _options.IsApplicationGroup(client.Group))
            {
                return true;
            }

            string[] applicationGroups = _options.ApplicationGroups;
            for (int i = 0; i < applicationGroups.Length; i++)
            {
                if (ClientIdentity.IsInGroup(topic, receiverStart, applicationGroups[i]))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>A token grants a topic or filter whose first level is one of its parent topics, while it is
        /// valid; a filter starting with a wildcard is therefore never granted. Nothing while the wall clock is not set
        /// (a PC's stepped back before 2025): its expiry cannot be judged then (<see cref="TimeBoundCredentials"/>).</summary>
        static bool Grants(TokenRecord token, string topicOrFilter)
        {
            if (token == null)
            {
                return false;
            }

            long nowMs = Clock.NowMs();
            return TimeBoundCredentials.CanBeJudgedAt(nowMs) && token.IsValidAt(nowMs) && token.Covers(topicOrFilter);
        }

        static bool AnyMatches(string[] filters, string topic, int topicLength)
        {
            for (int i = 0; i < filters.Length; i++)
            {
                if (TopicMatcher.Matches(filters[i], topic, topicLength))
                {
                    return true;
                }
            }

            return false;
        }

        static bool AnyCovers(string[] ruleFilters, string filter)
        {
            for (int i = 0; i < ruleFilters.Length; i++)
            {
                if (FilterCoverage.Covers(ruleFilters[i], filter))
                {
                    return true;
                }
            }

            return false;
        }

        static bool IsSysFilter(string filter)
        {
            if (filter.Length < SysRoot.Length || (filter.Length > SysRoot.Length && filter[SysRoot.Length] != '/'))
            {
                return false;
            }

            for (int i = 0; i < SysRoot.Length; i++)
            {
                if (filter[i] != SysRoot[i])
                {
                    return false;
                }
            }

            return true;
        }

        void ReportThinned(ProblemReports reports, string clientId, string topicOrFilter, bool isPublish, string reason)
        {
            if (Denied != null && reports.ShouldReport(clientId, Clock.MonotonicMs()))
            {
                Report(clientId, topicOrFilter, isPublish, reason + ProblemReports.ClientRefusalNote);
            }
        }

        void Report(string clientId, string topicOrFilter, bool isPublish, string reason)
        {
            AccessDeniedHandler denied = Denied;
            if (denied != null)
            {
                denied(clientId, topicOrFilter, isPublish, reason);
            }
        }
    }
}
