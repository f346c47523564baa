namespace EdgeBroker.Host.Transport;

/// <summary>What the <see cref="Reactor"/> tells that a descriptor became readable or writable. Called on the reactor's
/// thread: it only notes the readiness and hands any work to the thread pool.</summary>
interface IReadinessTarget
{
    /// <param name="events">The epoll event bits (<see cref="Libc.EPOLLIN"/>, <see cref="Libc.EPOLLOUT"/>, …).</param>
    void OnReadiness(uint events);
}
