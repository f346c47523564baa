using EdgeBroker.Core;
using EdgeBroker.Core.Text;
using EdgeBroker.Host.Configuration;
using EdgeBroker.Host.Monitoring;
using Microsoft.Extensions.Logging;

namespace EdgeBroker.Host.Mqtt;

/// <summary>
/// The host's line for QoS 1/2 messages a connected receiver's full outbound queue dropped after their publisher was
/// acknowledged (the session ends with its connection, so nothing keeps them): the core counts them and says when a
/// line is due (<see cref="BrokerCore.QueueFullDropToReport"/>: the first, then at most one a minute). Asked after every
/// PUBLISH routed, from a local client (<see cref="CoreBridge"/>) or from upstream (<c>UpstreamMessages</c>).
/// </summary>
static class QueueFullDropLog
{
    public static void ReportDue(BrokerCore core, ILogger logger)
    {
        if (core.QueueFullDropToReport(out var receiver, out var tally))
        {
            logger.LogWarning(LogEvents.PublishDropped,
                "Dropped QoS 1/2 messages for {ClientId}: its outbound queue was full ({Section}:{Setting}): it reads more slowly than it is sent to "
                + "and its session ends with its connection; their publishers were acknowledged{Tally}",
                ClientTextForLog.Of(receiver), BrokerOptions.Section, nameof(BrokerOptions.OutboundQueue), tally);
        }
    }
}
