using System.Runtime.ExceptionServices;

namespace EdgeBroker.Fuzz.Mqtt;

/// <summary>
/// Runs one execution of the host's connection one thing at a time, in the same order every time, on one thread.
/// afl-fuzz's coverage map has one "previous location" for the whole process, so code of one execution running on two
/// threads at once — the harness driving the reader while the thread pool flushes what it wrote — covers different
/// edges from run to run, and so does code that takes a first-use branch on whichever pool thread it lands on (the
/// host's per-thread formatters): afl's stability was 0.21 % once the reader ran on whichever thread saw its input.
/// So the thread pool is reduced to one thread (<see cref="IsSerial"/>), the harness hands that thread each step
/// (<see cref="Run"/>) — the CONNECT read, the connection served, each next piece of the input
/// (<see cref="ClientStream.Deliver"/>) — and waits until the pool is idle again, so everything the host queues on
/// the way (a flush after a yield, a connection's end) runs behind the step on that thread, before the next.
/// A <see cref="SynchronizationContext"/> of the harness's own cannot do it: the runtime never inlines a task's
/// continuation on a thread that has one, so every await would hop.
/// </summary>
static class SerialDriver
{
    /// <summary>Whether the pool has one thread (the runtime refuses when something else set its minimum higher);
    /// otherwise executions still run, but on as many pool threads as the runtime likes.</summary>
    public static bool IsSerial { get; } = ThreadPool.SetMinThreads(1, 1) && ThreadPool.SetMaxThreads(1, 1);

    /// <summary>Runs <paramref name="step"/> on the pool's thread and waits until the pool has nothing left to do;
    /// rethrows what the step threw.</summary>
    public static void Run(Action step)
    {
        Exception? thrown = null;
        ThreadPool.UnsafeQueueUserWorkItem(_ =>
        {
            try
            {
                step();
            }
            catch (Exception e)
            {
                thrown = e;
            }
        }, null);
        WaitForIdleThreadPool();
        if (thrown is not null)
        {
            ExceptionDispatchInfo.Throw(thrown);
        }
    }

    /// <summary>Hands over the input, one piece per step, until <paramref name="task"/> is done.</summary>
    public static void RunUntil(Task task, ClientStream stream)
    {
        while (!task.IsCompleted)
        {
            var delivered = false;
            Run(() => delivered = stream.Deliver());
            if (!delivered)
            {
                // No read waits and nothing is queued: the task waits for something outside the host (never expected);
                // afl-fuzz calls an execution over its time-out a hang.
                Thread.Yield();
            }
        }
    }

    static void WaitForIdleThreadPool()
    {
        var spin = new SpinWait();
        while (ThreadPool.PendingWorkItemCount > 0 || BusyWorkerThreads() > 0)
        {
            spin.SpinOnce(sleep1Threshold: -1);
        }
    }

    static int BusyWorkerThreads()
    {
        ThreadPool.GetMaxThreads(out var max, out _);
        ThreadPool.GetAvailableThreads(out var available, out _);
        return max - available;
    }
}
