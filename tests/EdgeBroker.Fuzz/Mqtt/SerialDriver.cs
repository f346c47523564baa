namespace EdgeBroker.Fuzz.Mqtt;

/// <summary>
/// Runs one execution of the host's connection on one thread, in the same order every time. afl-fuzz's coverage map
/// has one "previous location" for the whole process, so code of one execution running on two threads at once — the
/// host's reader beside the pool's flush of what it wrote, or the reader moving to the pool after 16 packets in a
/// row — covers different edges from run to run, and so does code that takes a first-use branch on whichever pool
/// thread it lands on (the host's per-thread formatters): afl's stability was 0.21 % once the reader ran on
/// whichever thread saw its input. So the thread pool is reduced to one thread (<see cref="IsSerial"/>), the harness
/// hands it each step (<see cref="Run"/>: the CONNECT read, the connection served, its end) and waits until the pool
/// has run everything the step queued behind it, on that same thread, before it goes on.
/// <para>
/// A <see cref="SynchronizationContext"/> of the harness's own was tried first (stability 22.5 %): the runtime never
/// inlines a task's continuation on a thread that has one, so every await hopped to the pool instead.
/// </para>
/// </summary>
static class SerialDriver
{
    /// <summary>Whether the pool has one thread (the runtime refuses when something set its minimum higher);
    /// otherwise executions still run, but on as many pool threads as the runtime likes.</summary>
    public static bool IsSerial { get; } = ThreadPool.SetMinThreads(1, 1) && ThreadPool.SetMaxThreads(1, 1);

    /// <summary>Runs <paramref name="step"/> on the pool's thread, then waits until the pool has run what the step
    /// queued (the pool takes what its thread queued before what others did, so an empty marker item run after the
    /// step, with nothing left waiting, means nothing of it is left); rethrows what the step threw. A step must not
    /// block on the pool: its one thread would wait for itself.</summary>
    public static void Run(Action step)
    {
        Exception? thrown = null;
        RunOnPool(() =>
        {
            try
            {
                step();
            }
            catch (Exception e)
            {
                thrown = e;
            }
        });
        while (ThreadPool.PendingWorkItemCount > 0)
        {
            RunOnPool(static () => { });
        }

        if (thrown is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(thrown);
        }
    }

    static void RunOnPool(Action work)
    {
        using var done = new ManualResetEventSlim();
        ThreadPool.UnsafeQueueUserWorkItem(_ =>
        {
            work();
            done.Set();
        }, null);
        done.Wait();
    }
}
