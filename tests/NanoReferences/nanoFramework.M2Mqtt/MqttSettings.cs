// Reference stub (public signatures only) of package nanoFramework.M2Mqtt 5.1.218, assembly nanoFramework.M2Mqtt.
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
            get { throw new NotImplementedException(); }
            internal set { throw new NotImplementedException(); }
        }

        public int SslPort
        {
            get { throw new NotImplementedException(); }
            internal set { throw new NotImplementedException(); }
        }

        public int TimeoutOnConnection
        {
            get { throw new NotImplementedException(); }
            internal set { throw new NotImplementedException(); }
        }

        public int TimeoutOnReceiving
        {
            get { throw new NotImplementedException(); }
            internal set { throw new NotImplementedException(); }
        }

        public int AttemptsOnRetry
        {
            get { throw new NotImplementedException(); }
            internal set { throw new NotImplementedException(); }
        }

        public int DelayOnRetry
        {
            get { throw new NotImplementedException(); }
            internal set { throw new NotImplementedException(); }
        }

        public int InflightQueueSize
        {
            get { throw new NotImplementedException(); }
            set { throw new NotImplementedException(); }
        }

        public bool ValidateServerCertificate
        {
            get { throw new NotImplementedException(); }
            set { throw new NotImplementedException(); }
        }

        public static MqttSettings Instance
        {
            get { throw new NotImplementedException(); }
        }

        private MqttSettings()
        {
            throw new NotImplementedException();
        }
    }
}
