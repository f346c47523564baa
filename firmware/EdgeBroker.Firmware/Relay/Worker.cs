using System.Threading;

namespace EdgeBroker.Firmware.Relay
{
    /// <summary>What a <see cref="Worker"/> runs each time.</summary>
    public delegate void WorkerTask();

    /// <summary>
    /// A thread that runs one piece of work whenever it is woken, or when an interval has passed without a wake-up: the
    /// relay's <see cref="Transmitter"/> (woken when bytes are queued) and its <see cref="Housekeeping"/> (every second).
    /// </summary>
    public sealed class Worker
    {
        readonly WorkerTask _work;
        readonly int _intervalMilliseconds;
        readonly AutoResetEvent _wake = new AutoResetEvent(false);
        Thread _thread;
        bool _running;

        /// <param name="intervalMilliseconds">Runs the work this often without a wake-up; <see cref="Timeout.Infinite"/>
        /// runs it only when woken.</param>
        public Worker(WorkerTask work, int intervalMilliseconds)
        {
            _work = work;
            _intervalMilliseconds = intervalMilliseconds;
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
                    _work();
                }
            }
        }
    }
}
