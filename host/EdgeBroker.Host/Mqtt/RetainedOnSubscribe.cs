using System.Buffers;
using System.Collections.Concurrent;
using EdgeBroker.Core;
using EdgeBroker.Core.Routing;
using EdgeBroker.Core.Topics;
using MQTTnet;
using MQTTnet.Server;

namespace EdgeBroker.Host.Mqtt;

/// <summary>
/// Sends the retained messages MQTTnet picks after a SUBACK through the client's <see cref="MqttNetConnection"/>
/// instead of MQTTnet's own queue, so they take their place in the client's Receive Maximum window, get its topic
/// aliases, are measured against its Maximum Packet Size and count against its outbound limits like every other message.
/// <para>
/// MQTTnet still chooses which retained messages a SUBSCRIBE receives (matching, Retain Handling) and asks before
/// queuing each one (<see cref="MqttServer.InterceptingClientEnqueueAsync"/>, with no sender); that question only
/// comes while it processes the client's SUBSCRIBE, right after <see cref="Expect"/> saw the packet. Each message goes
/// at the highest QoS granted to a filter of that SUBSCRIBE matching its topic, never above its own (as MQTTnet
/// grades it), with RETAIN set and the SUBSCRIBE's subscription identifier.
/// </para>
/// </summary>
sealed class RetainedOnSubscribe
{
    /// <summary>The SUBSCRIBE each client's connection is being answered for, by client ID.</summary>
    readonly ConcurrentDictionary<string, Pending> _pending = new();

    /// <summary>MQTTnet is about to process <paramref name="connection"/>'s SUBSCRIBE: <paramref name="granted"/> are its
    /// accepted filters with the QoS granted to each.</summary>
    public void Expect(string clientId, MqttNetConnection connection, IReadOnlyList<(string Filter, int Qos)> granted, int subscriptionIdentifier) =>
        _pending[clientId] = new Pending(connection, granted, subscriptionIdentifier);

    /// <summary>The connection of <paramref name="clientId"/> ended: it expects nothing more.</summary>
    public void Forget(string clientId, MqttNetConnection connection)
    {
        if (_pending.TryGetValue(clientId, out var pending) && pending.Connection == connection)
        {
            _pending.TryRemove(new KeyValuePair<string, Pending>(clientId, pending));
        }
    }

    public Task OnInterceptingClientEnqueue(InterceptingClientApplicationMessageEnqueueEventArgs args)
    {
        // The core delivers every routed message itself; MQTTnet queues only retained messages after a SUBACK, which have
        // no sender.
        if (!string.IsNullOrEmpty(args.SenderClientId) || !_pending.TryGetValue(args.ReceiverClientId, out var pending))
        {
            return Task.CompletedTask;
        }

        var message = args.ApplicationMessage;
        var qos = Math.Min(pending.GrantedQos(message.Topic), (int)message.QualityOfServiceLevel);
        if (qos < 0)
        {
            return Task.CompletedTask;
        }

        args.AcceptEnqueue = false;
        var routed = new RoutedMessage(message.Topic, message.Payload.ToArray(), (int)message.QualityOfServiceLevel, retain: true)
        {
            MessageExpiryInterval = message.MessageExpiryInterval,
            EngineProperties = message,
            PublishedAtMs = Clock.NowMs(),
        };

        // Refused only when the client's outbound queue is full: dropped, as MQTTnet drops beyond its own queue.
        pending.Connection.Send(routed, qos, retain: true, pending.SubscriptionIdentifiers, deliveryTag: 0, duplicate: false);
        return Task.CompletedTask;
    }

    sealed record Pending(MqttNetConnection Connection, IReadOnlyList<(string Filter, int Qos)> Granted, int SubscriptionIdentifier)
    {
        public int[]? SubscriptionIdentifiers { get; } = SubscriptionIdentifier > 0 ? [SubscriptionIdentifier] : null;

        /// <summary>The highest QoS granted to a filter matching <paramref name="topic"/>; -1 when none matches.</summary>
        public int GrantedQos(string topic)
        {
            var qos = -1;
            foreach (var (filter, granted) in Granted)
            {
                if (granted > qos && TopicMatcher.Matches(filter, topic))
                {
                    qos = granted;
                }
            }

            return qos;
        }
    }
}
