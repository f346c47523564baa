using System.IO;
using nanoFramework.TestFramework;

namespace EdgeBroker.Firmware.Tests
{
    /// <summary>The storage root the gateway uses: present, writable, and holding what was written across a reopen.</summary>
    [TestClass]
    public class FlashStoreTests
    {
        [TestMethod]
        public void The_storage_root_keeps_what_is_written()
        {
            string path = OnDeviceStorage.Root() + "edgebroker-selftest.txt";
            string content = "offline message log probe\n";
            for (int i = 0; i < 6; i++)
            {
                content += content;
            }

            File.WriteAllText(path, content);
            string back = File.ReadAllText(path);
            File.Delete(path);

            OutputHelper.WriteLine("storage root " + OnDeviceStorage.Root() + ": wrote and read " + content.Length + " bytes");
            Assert.AreEqual(content, back);
            Assert.IsFalse(File.Exists(path));
        }
    }
}
