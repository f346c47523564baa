using EdgeBroker.Core;
using EdgeBroker.Core.Limits;
using EdgeBroker.Host.Monitoring;
using Microsoft.Extensions.Logging;

namespace EdgeBroker.Host.Mqtt;

/// <summary>
/// The log of connections the broker closed for what they did (bad input, a flood, no CONNECT or TLS handshake in
/// time): one warning per source address a minute, the rest counted (the core's <see cref="ProblemReports"/>), so a
/// script that opens thousands of bad connections cannot fill the disk. Lines name the problem, never the bytes sent.
/// </summary>
sealed class ConnectionProblems(ILogger logger, int maxTrackedSources)
{
    readonly ProblemReports _reports = new(maxTrackedSources);

    public void Report(string source, string problem)
    {
        if (_reports.ShouldReport(source, Clock.MonotonicMs()))
        {
            logger.LogWarning(LogEvents.ConnectionProblem,
                "Closed a connection from {Source}: {Problem}. Further problems from this address are counted, not logged, for {Minutes} minute ({Suppressed} counted so far from all addresses).",
                // The problem often ends in a library's own full stop (a TLS error), which the line's would double.
                source, problem.TrimEnd('.'), ProblemReports.QuietMs / 60000, _reports.Suppressed);
        }
    }
}
