using System.Threading;
using EdgeBroker.Firmware.Device;
using EdgeBroker.Firmware.Relay;
using EdgeBroker.Firmware.Relay.Settings;
using nanoFramework.TestFramework;

namespace EdgeBroker.Firmware.Tests
{
    /// <summary>
    /// Free managed heap with the relay running and 0, then 12, idle clients — the figure the PC cannot give (threads
    /// and sockets cost heap on nanoFramework). The 12 clients come from a PC on the same network, started while this
    /// test waits (hardware/README.md, "On-device tests").
    /// </summary>
    [TestClass]
    public class HeapTests
    {
        const int Clients = 12;
        const int WaitForClientsSeconds = 120;

        [TestMethod]
        public void Free_heap_with_0_and_12_idle_clients_leaves_room()
        {
            Gateway gateway = Gateway.Open(OnDeviceStorage.Root(), OnDeviceStorage.Root(), new RelaySettings(), new RelaySecuritySettings(), new HardwareRandom(), new DebugLog(), null, null);
            RelayContext context = gateway.Context;
            gateway.Start();

            uint idle = nanoFramework.Runtime.Native.GC.Run(true);
            OutputHelper.WriteLine("free managed heap, relay running, 0 clients: " + idle + " bytes");
            OutputHelper.WriteLine("now connect " + Clients + " idle clients to port " + gateway.Port + " from the PC");
            for (int waited = 0; context.ConnectedClients < Clients && waited < WaitForClientsSeconds; waited++)
            {
                Thread.Sleep(1000);
            }

            int connected = context.ConnectedClients;
            uint loaded = nanoFramework.Runtime.Native.GC.Run(true);
            OutputHelper.WriteLine("free managed heap, " + connected + " clients: " + loaded + " bytes; "
                + ((idle - loaded) / (uint)Clients) + " bytes per client (threads and sockets included)");
            gateway.Stop();

            Assert.AreEqual(Clients, connected);
            Assert.IsTrue(loaded > 16384, "less than 16 KB of heap left with 12 clients");
        }
    }
}
