// Reference stub (public signatures only, bodies only throw; kept by hand) of package nanoFramework.M2Mqtt 5.1.218, assembly nanoFramework.M2Mqtt.
// Source: github.com/nanoframework/nanoFramework.m2mqtt, tag v5.1.218 (9a54dd5b3508dc122b6314eb672ed8134464de94),
// M2Mqtt/MqttSettings.cs.
using System;

namespace nanoFramework.M2Mqtt
{
    public class MqttSettings
    {
        public const int BrokerDefaultPort = 1883;

        public const int BrokerDefaultSslPort = 8883;

        public const int DefaultTimeout = 30_000;

        public const int MaximumAttemptsRetry = 3;

        public const int DefaultDelayRetry = 10_000_000;

        public const int ConnectTimeout = 30_000;

        public const int DefaultInflightQueueSize = int.MaxValue;

        public int Port
        {
            get { throw null; }
            internal set { throw null; }
        }

        public int SslPort
        {
            get { throw null; }
            internal set { throw null; }
        }

        public int TimeoutOnConnection
        {
            get { throw null; }
            internal set { throw null; }
        }

        public int TimeoutOnReceiving
        {
            get { throw null; }
            internal set { throw null; }
        }

        public int AttemptsOnRetry
        {
            get { throw null; }
            internal set { throw null; }
        }

        public int DelayOnRetry
        {
            get { throw null; }
            internal set { throw null; }
        }

        public int InflightQueueSize
        {
            get { throw null; }
            set { throw null; }
        }

        public bool ValidateServerCertificate
        {
            get { throw null; }
            set { throw null; }
        }

        public static MqttSettings Instance
        {
            get { throw null; }
        }

        private MqttSettings()
        {
            throw null;
        }
    }
}
