using System;

namespace EdgeBroker.Core.Diagnostics
{
    /// <summary>
    /// Decides which unexpected faults of one place that repeats its work (a worker thread, a periodic timer) engines
    /// log: the first of a run of the same fault (same type and message), not its repeats, so a fault that recurs every
    /// second is said once and does not flood the log or, on the device, the debug output. A round that succeeds ends the
    /// run (<see cref="Recovered"/>): the same fault after that is news again and is logged. The place catches the fault
    /// and carries on serving; this class only decides whether to say so. Allocation-free. Thread-safe.
    /// </summary>
    public sealed class FaultGate
    {
        readonly object _sync = new object();
        Type _lastType;
        string _lastMessage;

        /// <summary>True when <paramref name="fault"/> is to be logged: it is not a repeat of the fault the previous round
        /// ended with.</summary>
        public bool ShouldReport(Exception fault)
        {
            lock (_sync)
            {
                // Object's GetType and a reference comparison (one Type object per type): what nanoFramework has.
                Type type = ((object)fault).GetType();
                if ((object)type == (object)_lastType && fault.Message == _lastMessage)
                {
                    return false;
                }

                _lastType = type;
                _lastMessage = fault.Message;
                return true;
            }
        }

        /// <summary>A round finished without a fault: the next fault is logged whatever it is.</summary>
        public void Recovered()
        {
            lock (_sync)
            {
                _lastType = null;
                _lastMessage = null;
            }
        }
    }
}
