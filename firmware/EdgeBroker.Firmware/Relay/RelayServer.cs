using System;
using System.Collections;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using EdgeBroker.Core;
using EdgeBroker.Core.Diagnostics;

namespace EdgeBroker.Firmware.Relay
{
    /// <summary>
    /// The MQTT listener: a thread that accepts TCP connections and starts a <see cref="RelayConnection"/> for each,
    /// with the relay's <see cref="Transmitter"/> and <see cref="Housekeeping"/> threads. Admission (the client limit)
    /// is decided at CONNECT, so a refused client still gets its CONNACK 0x03.
    /// </summary>
    public sealed class RelayServer
    {
        /// <summary>Pending connections the network stack holds for the accept thread; small, sockets are scarce.</summary>
        const int Backlog = 4;

        /// <summary>Pause after a failed accept (out of sockets) before trying again, so the thread does not spin.</summary>
        const int AcceptRetryMilliseconds = 100;

        readonly RelayContext _context;
        readonly Housekeeping _housekeeping;
        readonly FaultGate _acceptFaults = new FaultGate();
        Socket _listener;
        Thread _thread;
        bool _running;
        int _port;

        public RelayServer(RelayContext context)
        {
            _context = context;
            _housekeeping = new Housekeeping(context);
        }

        public RelayContext Context
        {
            get { return _context; }
        }

        /// <summary>The port listened on (differs from the setting when that is 0).</summary>
        public int Port
        {
            get { return _port; }
        }

        /// <summary>Binds and starts accepting; throws <see cref="SocketException"/> when the address or port is taken.</summary>
        public void Start()
        {
            _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            _listener.Bind(new IPEndPoint(IPAddress.Parse(_context.Settings.Bind), _context.Settings.Port));
            _listener.Listen(Backlog);
            _port = ((IPEndPoint)_listener.LocalEndPoint).Port;
            _running = true;
            _context.Transmitter.Start();
            _housekeeping.Start();
            _thread = new Thread(AcceptLoop);
            _thread.Start();
            _context.Log.Info("MQTT listener on mqtt://" + _context.Settings.Bind + ":" + _port + " (MQTT 3.1.1, at most "
                + _context.Settings.MaxClients + " clients, packets up to " + _context.Settings.MaxPacketSize + " bytes)");
        }

        /// <summary>Stops accepting, closes every connection (without their wills: the core's
        /// <see cref="EdgeBroker.Core.BrokerCore.BeginShutdown"/>) and waits for their threads.</summary>
        public void Stop()
        {
            _context.Core.BeginShutdown();
            _running = false;
            _listener.Close();
            _thread.Join();
            _housekeeping.Stop();
            ArrayList open = _context.OpenConnections();
            for (int i = 0; i < open.Count; i++)
            {
                ((RelayConnection)open[i]).Close();
            }

            for (int i = 0; i < open.Count; i++)
            {
                ((RelayConnection)open[i]).WaitForEnd();
            }

            _context.Transmitter.Stop();
            _context.Log.Info("MQTT listener stopped");
        }

        void AcceptLoop()
        {
            while (_running)
            {
                Socket socket;
                try
                {
                    socket = _listener.Accept();
                }
                catch (Exception)
                {
                    if (_running)
                    {
                        Thread.Sleep(AcceptRetryMilliseconds);
                    }

                    continue;
                }

                try
                {
                    StartConnection(socket);
                    _acceptFaults.Recovered();
                }
                catch (Exception e)
                {
                    // A fault of ours while setting up this connection: it is dropped, the listener carries on.
                    socket.Close();
                    if (_acceptFaults.ShouldReport(e))
                    {
                        _context.Log.Warning("Unexpected error in the relay's listener thread while accepting a connection (it carries on; "
                            + "the same error again is not logged): " + e);
                    }
                }
            }
        }

        void StartConnection(Socket socket)
        {
            if (!Admit(socket))
            {
                return;
            }

            RelayConnection connection;
            try
            {
                connection = new RelayConnection(socket, _context);
            }
            catch (SocketException)
            {
                // The connection died before it could be set up.
                socket.Close();
                return;
            }

            _context.Track(connection);
            connection.Start();
        }

        /// <summary>Closes <paramref name="socket"/> at once, before it takes a thread, when its address has opened more
        /// connections than the settings allow in the current window.</summary>
        bool Admit(Socket socket)
        {
            string source;
            try
            {
                source = ((IPEndPoint)socket.RemoteEndPoint).Address.ToString();
            }
            catch (Exception)
            {
                socket.Close();
                return false;
            }

            // A window, not a date: on the monotonic clock, which SNTP's step of the wall clock at a late first sync
            // (decades on the device) cannot shift.
            if (_context.ConnectionRate.Allow(source, Clock.MonotonicMs()))
            {
                return true;
            }

            _context.ReportProblem(source, null, "more than " + _context.Settings.MaxConnectionsPerSource + " new connections within "
                + _context.Settings.ConnectionRateWindowSeconds + " s");
            socket.Close();
            return false;
        }
    }
}
