using Microsoft.Extensions.Logging;
using MQTTnet.Diagnostics.Logger;

namespace EdgeBroker.Host.Mqtt;

/// <summary>Sends MQTTnet's own log lines to the host's logging, under categories "MQTTnet.{source}".</summary>
sealed class MqttNetLogAdapter(ILoggerFactory loggerFactory) : IMqttNetLogger
{
    public bool IsEnabled => true;

    public void Publish(MqttNetLogLevel logLevel, string source, string message, object[] parameters, Exception exception)
    {
        var logger = loggerFactory.CreateLogger("MQTTnet." + source);
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
