using System.Net.Sockets;
using EdgeBroker.Core.Text;
using EdgeBroker.Host.Monitoring;
using EdgeBroker.Host.Transport;
using Microsoft.Extensions.Logging;
using MQTTnet.Exceptions;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace EdgeBroker.Host.Mqtt;

sealed partial class CoreBridge
{
    /// <summary>
    /// One connection's reader: CONNECT, then one packet at a time, each handed to <see cref="Handle"/>, until the
    /// connection ends. It is not an async loop: it runs from the top whenever input arrives — decodes what is there,
    /// handles it, writes what the packets appended (<see cref="ReadBatch"/>), and again until the socket is empty —
    /// and then returns, leaving only a continuation on the connection's zero-byte read. An idle connection so holds this
    /// object (80 B), not the two suspended state machines (ServeAsync's and ReceivePacketAsync's, 408
    /// B) of an awaited read; and on the epoll transport the continuation runs on the reactor's thread that saw the
    /// input (<see cref="ReactorStream.ContinueOnReactor"/>), so a packet that arrives alone is read, handled and
    /// answered in one wake-up. A step that has to wait — the rest of a packet the peer has not finished sending, a
    /// handling that waits (the pub/sub ordering wait, a writer over its bound, a close) — keeps an async method only
    /// for that wait, then runs the loop again.
    /// <para>
    /// Nothing that may block runs on a reactor's thread, which every connection of that reactor waits for: the CONNECT
    /// (authentication, the session store, the take-over grace), the packets whose handling writes to or waits for a
    /// store (<see cref="MayBlock"/>), the end of the connection (the session store, wills) and every 16th packet in a
    /// row (<see cref="PacketsBeforeYielding"/>, so a flood on one connection does not starve the others) continue on
    /// the thread pool, and the reader comes back to the reactor at its next wait for input. Over TLS and on the .NET
    /// socket transport the same loop waits on the layer's own zero-byte read, whose continuation runs on the thread
    /// pool.
    /// </para>
    /// </summary>
    sealed class Reader : IThreadPoolWorkItem
    {
        /// <summary>Packets handled in a row, their bytes already there, before the reader lets other work have its
        /// thread: under a flood, readers whose input never runs dry would otherwise keep the reactors' and the thread
        /// pool's threads, and the writes to the receivers would wait until the receivers' queues overflow.</summary>
        const int PacketsBeforeYielding = 16;

        readonly CoreBridge _bridge;
        readonly GuardedChannel _channel;

        /// <summary>The continuation a wait for input parks on the epoll transport: one for every reader.</summary>
        static readonly Action<object?> InputArrivedOnReactor = static reader => ((Reader)reader!).InputArrived();

        /// <summary><see cref="InputArrived"/> as the continuation a wait for input parks over TLS and .NET's sockets:
        /// made at the first such wait, so a wait allocates nothing.</summary>
        Action? _inputArrived;

        ClientConnection? _connection;

        /// <summary>The parked wait for input, taken by <see cref="InputArrived"/>.</summary>
        ValueTask<int> _arriving;

        /// <summary>A packet read whose handling continues elsewhere (on the thread pool, or after the rest of it
        /// arrived).</summary>
        MqttPacket? _deferred;

        int _handledInARow;
        bool _ending;

        public Reader(CoreBridge bridge, GuardedChannel channel)
        {
            _bridge = bridge;
            _channel = channel;
        }

        /// <summary>Accepts the CONNECT the channel read and serves the connection; never on a reactor's thread.</summary>
        public void Start()
        {
            if (Reactor.IsCurrentThread)
            {
                ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
            }
            else
            {
                _ = AcceptAsync();
            }
        }

        /// <summary>Continues on the thread pool what was handed there: the CONNECT, a packet that may block, the
        /// packets after a yield, or the connection's end.</summary>
        void IThreadPoolWorkItem.Execute()
        {
            if (_ending)
            {
                _ = EndAsync();
            }
            else if (_connection is null)
            {
                _ = AcceptAsync();
            }
            else
            {
                Run(woken: false);
            }
        }

        async Task AcceptAsync()
        {
            try
            {
                _connection = await _bridge.AcceptAsync(_channel).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                Fault(e);
            }

            if (_connection is null)
            {
                End();
                return;
            }

            Run(woken: false);
        }

        /// <summary>The parked wait for input completed (data, the peer's close, or the connection closed by the broker).</summary>
        void InputArrived() => Run(woken: true);

        /// <summary>
        /// Reads and handles packets until the reader has to wait: for input (parked on the zero-byte read, nothing
        /// else held), for the rest of a packet or a handling (an async method for that wait), or for the thread pool
        /// (<see cref="Execute"/>). <paramref name="woken"/>: the parked wait for input has completed.
        /// </summary>
        void Run(bool woken)
        {
            try
            {
                while (true)
                {
                    var packet = _deferred;
                    _deferred = null;
                    if (packet is null)
                    {
                        ValueTask<int> arriving;
                        var waited = woken;
                        if (woken)
                        {
                            arriving = _arriving;
                            _arriving = default;
                            woken = false;
                        }
                        else
                        {
                            arriving = _channel.WaitForInput();
                            if (!arriving.IsCompleted)
                            {
                                // What the packets handled appended leaves now; the reader holds nothing while it waits.
                                _handledInARow = 0;
                                ReadBatch.WriteCollected();
                                _arriving = arriving;
                                if (!_channel.OnInputArrived(InputArrivedOnReactor, this))
                                {
                                    arriving.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_inputArrived ??= InputArrived);
                                }

                                return;
                            }
                        }

                        if (!_channel.InputArrived(arriving, waited))
                        {
                            End();
                            return;
                        }

                        var receiving = _channel.ReceivePacketAsync();
                        if (!receiving.IsCompleted)
                        {
                            _handledInARow = 0;
                            ReadBatch.WriteCollected();
                            _ = ReceiveThenRunAsync(receiving);
                            return;
                        }

                        packet = receiving.Result;
                        if (packet is null)
                        {
                            End();
                            return;
                        }
                    }

                    if (!HandledHere(packet))
                    {
                        return;
                    }
                }
            }
            catch (Exception e)
            {
                Fault(e);
                End();
            }
        }

        /// <summary>Handles <paramref name="packet"/> on this thread; true when the reader reads on here, false when it
        /// continues elsewhere (the thread pool, after a wait) or the connection ends.</summary>
        bool HandledHere(MqttPacket packet)
        {
            // The packet first: asking the thread is a thread-static read, and almost no packet may block.
            if (MayBlock(packet) && Reactor.IsCurrentThread)
            {
                ReadBatch.WriteCollected();
                _handledInARow = 0;
                _deferred = BufferedPackets.Kept(packet);
                ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
                return false;
            }

            var connection = _connection!;
            connection.Touch();
            ReadBatch.Begin();
            var handled = _bridge.Handle(connection, packet);
            ReadBatch.End();
            if (!handled.IsCompletedSuccessfully)
            {
                ReadBatch.WriteCollected();
                _handledInARow = 0;
                _ = HandleThenRunAsync(handled);
                return false;
            }

            if (!handled.Result)
            {
                End();
                return false;
            }

            if (++_handledInARow == PacketsBeforeYielding)
            {
                // Input keeps arriving: give the thread back for a moment, so that other readers (and the writers of
                // other threads) run too.
                _handledInARow = 0;
                ReadBatch.WriteCollected();
                ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
                return false;
            }

            return true;
        }

        /// <summary>The rest of a packet the peer had not finished sending: waited for here, then the loop runs again.</summary>
        async Task ReceiveThenRunAsync(ValueTask<MqttPacket?> receiving)
        {
            try
            {
                _deferred = await receiving.ConfigureAwait(false);
            }
            catch (Exception e)
            {
                Fault(e);
            }

            if (_deferred is null)
            {
                End();
                return;
            }

            Run(woken: false);
        }

        /// <summary>A handling that waits (the ordering of subscriptions, a writer over its bound, a close): waited for
        /// here, then the loop runs again.</summary>
        async Task HandleThenRunAsync(ValueTask<bool> handled)
        {
            bool goOn;
            try
            {
                goOn = await handled.ConfigureAwait(false);
            }
            catch (Exception e)
            {
                Fault(e);
                goOn = false;
            }

            if (!goOn)
            {
                End();
                return;
            }

            Run(woken: false);
        }

        /// <summary>The connection ends (once): what the last packets appended is written, then, off the reactor's
        /// thread, the core hears of it and the channel closes.</summary>
        void End()
        {
            if (_ending)
            {
                return;
            }

            _ending = true;
            ReadBatch.End();
            ReadBatch.WriteCollected();
            if (Reactor.IsCurrentThread)
            {
                ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
            }
            else
            {
                _ = EndAsync();
            }
        }

        async Task EndAsync()
        {
            try
            {
                if (_connection is not null)
                {
                    _bridge.Ended(_connection);
                }
            }
            catch (Exception e)
            {
                Fault(e);
            }

            try
            {
                await _channel.DisconnectAsync().ConfigureAwait(false);
            }
            catch (Exception e)
            {
                Fault(e);
            }
            finally
            {
                _channel.Dispose();
            }
        }

        /// <summary>A write failed or the connection was lost: expected, the connection ends. Anything else is a fault
        /// of the broker's own while serving this client: logged, and this connection ends while everyone else is
        /// served.</summary>
        void Fault(Exception e)
        {
            if (e is MqttCommunicationException or IOException or SocketException or ObjectDisposedException)
            {
                return;
            }

            if (_connection is { } connection)
            {
                _bridge._logger.LogError(LogEvents.UnexpectedError, e, "Unexpected error while handling a packet of {ClientId} (channel {ChannelId}); its connection is closed",
                    ClientTextForLog.Of(connection.ClientId), connection.ChannelId);
            }
            else
            {
                _bridge._logger.LogError(LogEvents.UnexpectedError, e, "Unexpected error while accepting a CONNECT from {Source}; its connection is closed", _channel.Source);
            }
        }

        /// <summary>Whether handling <paramref name="packet"/> may write to a store or wait for one (session
        /// subscriptions, a retained message, a QoS 2 message's commit, a dedupe id's commit, an uplink queue's entry,
        /// which is committed before the PUBLISH returns, the session's end), which is not done on a reactor's thread.
        /// With uplinks configured every PUBLISH may be offered to one (the core's forward rules decide), so none is
        /// handled there. A PUBACK that completes an offline batch reads the next page of the store (a read, no write):
        /// left on the reactor's thread, as it is what every QoS 1 receiver sends.</summary>
        bool MayBlock(MqttPacket packet) => packet switch
        {
            MqttPublishPacket publish => publish.QualityOfServiceLevel == MqttQualityOfServiceLevel.ExactlyOnce || publish.Retain
                || publish.UserProperties is { Count: > 0 } || _bridge._core.UplinkCount > 0,
            MqttSubscribePacket or MqttUnsubscribePacket or MqttDisconnectPacket => true,
            _ => false,
        };
    }
}
