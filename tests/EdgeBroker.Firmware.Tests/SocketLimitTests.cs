using System;
using System.Collections;
using System.Net;
using System.Net.Sockets;
using EdgeBroker.Firmware.Boot;
using nanoFramework.Runtime.Native;
using nanoFramework.TestFramework;

namespace EdgeBroker.Firmware.Tests
{
    /// <summary>How many sockets the firmware image really offers, against what the client limit assumes: the
    /// listener, the uplink, DNS and one spare on top of the board's default client limit (<see cref="BoardLimits"/>).</summary>
    [TestClass]
    public class SocketLimitTests
    {
        [TestMethod]
        public void The_image_has_sockets_for_the_default_client_limit()
        {
            ArrayList sockets = new ArrayList();
            try
            {
                while (sockets.Count < 64)
                {
                    Socket socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    socket.Bind(new IPEndPoint(IPAddress.Any, 0));
                    sockets.Add(socket);
                }
            }
            catch (Exception)
            {
                // Out of sockets: that is the number to report.
            }

            int available = sockets.Count;
            for (int i = 0; i < sockets.Count; i++)
            {
                ((Socket)sockets[i]).Close();
            }

            OutputHelper.WriteLine(available + " sockets available; default client limit " + BoardLimits.DefaultMaxClients(SystemInfo.TargetName));
            Assert.IsTrue(available >= BoardLimits.DefaultMaxClients(SystemInfo.TargetName) + 4, "the image has fewer sockets than the client limit needs");
        }
    }
}
