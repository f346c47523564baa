namespace EdgeBroker.Firmware.Storage
{
    /// <summary>
    /// Emptied <see cref="MessageQueue"/>s kept for the next client (or uplink) that needs one. A persistent receiver
    /// that keeps up has its queue emptied by every acknowledgement and needed again by the next message: without the
    /// spares each message would leave a queue and its five arrays as garbage on the device's heap. Only queues still at
    /// their first capacity are kept, and only a few, so what stays on the heap is bounded and never a drained backlog's
    /// arrays, however many names have had messages.
    /// </summary>
    internal sealed class SpareQueues
    {
        /// <summary>Enough for a gateway's receivers whose messages interleave; each spare is a few hundred bytes.</summary>
        const int Most = 4;

        readonly MessageQueue[] _spares = new MessageQueue[Most];
        int _count;

        /// <summary>An empty queue for <paramref name="name"/>: a spare if there is one, else a new one.</summary>
        public MessageQueue Take(string name)
        {
            if (_count == 0)
            {
                return new MessageQueue(name);
            }

            _count--;
            MessageQueue queue = _spares[_count];
            _spares[_count] = null;
            queue.Reuse(name);
            return queue;
        }

        /// <summary>Keeps <paramref name="queue"/>, just emptied and no longer listed, for a later <see cref="Take"/>,
        /// if it is small and there is room; otherwise leaves it to the collector.</summary>
        public void Return(MessageQueue queue)
        {
            if (_count < Most && queue.Count == 0 && queue.HasFirstCapacity)
            {
                _spares[_count] = queue;
                _count++;
            }
        }
    }
}
