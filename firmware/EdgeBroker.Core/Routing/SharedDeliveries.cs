using System.Collections;
using EdgeBroker.Core.Sessions;
using EdgeBroker.Core.Subscriptions;

namespace EdgeBroker.Core.Routing
{
    /// <summary>
    /// The shared-subscription messages a session's connection has not acknowledged (<see cref="SharedDelivery"/>),
    /// kept on the session. Every call is made under the session's lock. At most <see cref="MaxPerSession"/> are kept
    /// per session, so a member that never acknowledges costs bounded memory; beyond that its messages are sent
    /// without being handed on should its connection end.
    /// </summary>
    internal static class SharedDeliveries
    {
        public const int MaxPerSession = 100;

        /// <summary>Keeps a copy of <paramref name="message"/> for <paramref name="session"/>; returns the delivery tag
        /// to send it with, or 0 when it is not kept.</summary>
        public static long Track(Session session, RoutedMessage message, ShareGroup group)
        {
            if (session.SharedInFlight == null)
            {
                session.SharedInFlight = new ArrayList();
            }
            else if (session.SharedInFlight.Count >= MaxPerSession)
            {
                return 0;
            }

            session.LastSharedTag--;
            session.SharedInFlight.Add(new SharedDelivery(session.LastSharedTag, message.Detach(), group));
            return session.LastSharedTag;
        }

        /// <summary>The client acknowledged (or the engine could not send) the message with <paramref name="deliveryTag"/>.</summary>
        public static void Forget(Session session, long deliveryTag)
        {
            ArrayList inFlight = session.SharedInFlight;
            if (inFlight == null || deliveryTag == 0)
            {
                return;
            }

            for (int i = 0; i < inFlight.Count; i++)
            {
                if (((SharedDelivery)inFlight[i]).DeliveryTag == deliveryTag)
                {
                    inFlight.RemoveAt(i);
                    return;
                }
            }
        }

        /// <summary>The connection ended or was replaced: everything it did not acknowledge, to be handed on (null when
        /// nothing).</summary>
        public static ArrayList TakeAll(Session session)
        {
            ArrayList inFlight = session.SharedInFlight;
            session.SharedInFlight = null;
            return inFlight == null || inFlight.Count == 0 ? null : inFlight;
        }
    }
}
