using System.Security.Authentication;
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
        if (exception is AuthenticationException handshake)
        {
            // A failed TLS handshake (the client distrusts the broker's certificate, has no acceptable certificate of
            // its own, or speaks plain MQTT to the TLS port) is the client's problem, not the broker's: one warning
            // line with the TLS library's reason instead of an error with a stack trace.
            logger.LogWarning("TLS handshake with an MQTT client failed: {Reason}", handshake.GetBaseException().Message);
            return;
        }

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
