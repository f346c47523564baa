using EdgeBroker.Benchmarks.Measurement;

namespace EdgeBroker.Benchmarks.Cases;

/// <summary>What a slow-consumer case produced.</summary>
/// <param name="FloodSeconds">How long the publishers flooded the slow subscriber.</param>
/// <param name="FloodMessages">Messages the flooding publishers handed to MQTTnet, all of them for the slow subscriber.</param>
/// <param name="PayloadBytes">Size of each flooding message's payload.</param>
/// <param name="RssBeforeBytes">The broker's resident memory with every client connected, before the flood.</param>
/// <param name="RssHalfwayBytes">Resident memory half-way through the flood: about what it is at the end when memory is
/// bounded, about half of it when the broker keeps what it cannot send.</param>
/// <param name="RssPeakBytes">The highest resident memory seen during the flood.</param>
/// <param name="RssAfterBytes">Resident memory at the end of the flood, the slow subscriber still connected if the broker
/// kept it.</param>
/// <param name="HealthyQuiet">The healthy pair's latency before the flood.</param>
/// <param name="HealthyDuringFlood">The healthy pair's latency during the flood.</param>
/// <param name="HealthyLost">Healthy messages sent during the flood that never arrived.</param>
/// <param name="SlowConsumerClosedByBroker">The broker closed the slow subscriber's connection during the flood.</param>
public sealed record SlowConsumerMeasurement(
    double FloodSeconds,
    long FloodMessages,
    int PayloadBytes,
    long RssBeforeBytes,
    long RssHalfwayBytes,
    long RssPeakBytes,
    long RssAfterBytes,
    LatencySummary HealthyQuiet,
    LatencySummary HealthyDuringFlood,
    int HealthyLost,
    bool SlowConsumerClosedByBroker)
{
    public double FloodMegabytes => FloodMessages * (double)PayloadBytes / (1024 * 1024);
}
