namespace EdgeBroker.Host.Transport;

/// <summary>What the <see cref="Reactor"/> tells that a descriptor became readable or writable. Called on the reactor's
/// thread, which every other descriptor of that reactor waits for: it does only short work there and hands anything
/// else to the thread pool.</summary>
interface IReadinessTarget
{
    /// <param name="events">The epoll event bits (<see cref="Libc.EPOLLIN"/>, <see cref="Libc.EPOLLOUT"/>, …).</param>
    void OnReadiness(uint events);
}
