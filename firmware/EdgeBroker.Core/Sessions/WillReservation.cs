using System;
using EdgeBroker.Core.Routing;

namespace EdgeBroker.Core.Sessions
{
    /// <summary>
    /// A CONNECT's will with the room it takes in the budget of held wills (<see cref="BrokerCore.MaxWillBytes"/>),
    /// taken by <see cref="BrokerCore.ReserveWill"/> before the client is authenticated — so a refusal changes nothing,
    /// and a pairing device is never paired and then refused — and handed to <see cref="BrokerCore.KeepWill"/> once the
    /// core took the connection. Disposing it gives the room back unless <c>KeepWill</c> took it, so an engine disposes
    /// it however its CONNECT ends (authentication refused, a fault, accepted) and no room is lost.
    /// </summary>
    public sealed class WillReservation : IDisposable
    {
        readonly WillBudget _budget;

        internal WillReservation(WillBudget budget, RoutedMessage will, int bytes)
        {
            _budget = budget;
            Will = will;
            Bytes = bytes;
        }

        /// <summary>The will as the CONNECT carried it.</summary>
        public RoutedMessage Will { get; private set; }

        /// <summary>What it counts against the budget (<see cref="BrokerCore.WillFootprint"/>).</summary>
        public int Bytes { get; private set; }

        /// <summary>Counted in the budget and not yet kept or given back (guarded by the budget's lock).</summary>
        internal bool IsOpen;

        /// <summary>Gives the room back, unless <see cref="BrokerCore.KeepWill"/> took it (then the kept will holds it
        /// until it goes). Safe to call more than once.</summary>
        public void Dispose()
        {
            _budget.Release(this);
        }
    }
}
