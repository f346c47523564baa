using System.Collections;
using EdgeBroker.Core.Routing;

namespace EdgeBroker.Core.Retained
{
    /// <summary>Where <see cref="RetainedMessages"/> keeps its messages so that they survive a restart (device: the
    /// flash log). Every call returns once the change is durable.</summary>
    public interface IRetainedStore
    {
        /// <summary>Every kept message (<see cref="RoutedMessage"/>s owning their payload); read once, at start.</summary>
        ArrayList LoadRetained();

        /// <summary>Keeps <paramref name="message"/> (which owns its payload) as its topic's retained message, replacing
        /// what the topic held; false when the store has no room, and the message is then not retained.</summary>
        bool SaveRetained(RoutedMessage message);

        /// <summary>The topic's retained message was cleared.</summary>
        void DeleteRetained(string topic);
    }
}
