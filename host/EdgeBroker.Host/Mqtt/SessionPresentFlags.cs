using System.Collections.Concurrent;
using System.Net;

namespace EdgeBroker.Host.Mqtt;

/// <summary>
/// The CONNACK "session present" answer per accepted connection. The core owns sessions (MQTTnet is always given a
/// fresh one, so it would always answer false); the bridge records the core's answer at validation and the channel
/// writes it into the CONNACK on its way out.
/// </summary>
sealed class SessionPresentFlags
{
    readonly ConcurrentDictionary<string, bool> _flags = new();

    public void Set(EndPoint remote, bool sessionPresent) => _flags[remote.ToString()!] = sessionPresent;

    public bool Take(EndPoint remote) => _flags.TryRemove(remote.ToString()!, out var present) && present;
}
