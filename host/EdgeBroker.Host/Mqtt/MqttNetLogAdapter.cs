using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using MQTTnet.Diagnostics.Logger;

namespace EdgeBroker.Host.Mqtt;

/// <summary>Sends MQTTnet's own log lines to the host's logging, under categories "MQTTnet.{source}".</summary>
/// <remarks>MQTTnet logs every packet sent and received at Verbose, so this sits on the per-message path: the logger
/// of each source (MQTTnet's class names: a handful) is created once, not per line, and <see cref="IsEnabled"/> is
/// false when MQTTnet's logging is off altogether, which spares MQTTnet building the line's parameters.</remarks>
sealed class MqttNetLogAdapter(ILoggerFactory loggerFactory) : IMqttNetLogger
{
    const string CategoryPrefix = "MQTTnet.";

    readonly ILogger _root = loggerFactory.CreateLogger("MQTTnet");
    readonly ConcurrentDictionary<string, ILogger> _loggers = new(StringComparer.Ordinal);

    /// <summary>MQTTnet asks once for all levels; Error is the lowest level it can ask for that we pass on, so when
    /// MQTTnet's category does not log errors it logs nothing.</summary>
    public bool IsEnabled => _root.IsEnabled(LogLevel.Error);

    public void Publish(MqttNetLogLevel logLevel, string source, string message, object[] parameters, Exception exception)
    {
        var logger = _loggers.GetOrAdd(source, static (name, factory) => factory.CreateLogger(CategoryPrefix + name), loggerFactory);
        var level = logLevel switch
        {
            MqttNetLogLevel.Verbose => LogLevel.Trace,
            MqttNetLogLevel.Info => LogLevel.Debug,
            MqttNetLogLevel.Warning => LogLevel.Warning,
            _ => LogLevel.Error,
        };
        if (!logger.IsEnabled(level))
        {
            return;
        }

        var text = parameters is { Length: > 0 } ? string.Format(System.Globalization.CultureInfo.InvariantCulture, message, parameters) : message;
        logger.Log(level, exception, "{Message}", text);
    }
}
