using System;
using System.Threading;
using EdgeBroker.Core.Diagnostics;

namespace EdgeBroker.Firmware.Relay
{
    /// <summary>What a <see cref="Worker"/> runs each time.</summary>
    public delegate void WorkerTask();

    /// <summary>
    /// A thread that runs one piece of work whenever it is woken, or when an interval has passed without a wake-up: the
    /// relay's <see cref="Transmitter"/> (woken when bytes are queued), its <see cref="Housekeeping"/> (every second) and
    /// the uplink driver. An unexpected exception in the work is caught, logged with the thread's name (once per run of
    /// the same fault, as the core's <see cref="FaultGate"/> decides) and the thread carries on: on the device an
    /// uncaught exception would end the thread silently and the relay would stop sending, housekeeping or uplinking.
    /// </summary>
    public sealed class Worker
    {
        readonly string _name;
        readonly WorkerTask _work;
        readonly int _intervalMilliseconds;
        readonly IRelayLog _log;
        readonly FaultGate _faults = new FaultGate();
        readonly AutoResetEvent _wake = new AutoResetEvent(false);
        Thread _thread;
        bool _running;

        /// <param name="name">Names the thread in log lines ("transmitter", "housekeeping", …).</param>
        /// <param name="intervalMilliseconds">Runs the work this often without a wake-up; <see cref="Timeout.Infinite"/>
        /// runs it only when woken.</param>
        public Worker(string name, WorkerTask work, int intervalMilliseconds, IRelayLog log)
        {
            _name = name;
            _work = work;
            _intervalMilliseconds = intervalMilliseconds;
            _log = log;
        }

        public void Start()
        {
            _running = true;
            _thread = new Thread(Run);
            _thread.Start();
        }

        /// <summary>Runs the work soon (once, however often it is woken meanwhile).</summary>
        public void Wake()
        {
            _wake.Set();
        }

        /// <summary>Stops and waits for the thread; work under way finishes first.</summary>
        public void Stop()
        {
            _running = false;
            _wake.Set();
            if (_thread != null)
            {
                _thread.Join();
            }
        }

        void Run()
        {
            while (_running)
            {
                _wake.WaitOne(_intervalMilliseconds, false);
                if (_running)
                {
                    RunWorkOnce();
                }
            }
        }

        void RunWorkOnce()
        {
            try
            {
                _work();
                _faults.Recovered();
            }
            catch (Exception e)
            {
                if (_faults.ShouldReport(e))
                {
                    _log.Warning("Unexpected error in the relay's " + _name + " thread (it carries on; the same error again is not logged): " + e);
                }
            }
        }
    }
}
