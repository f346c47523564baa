using System.IO;

namespace EdgeBroker.Firmware.Storage
{
    /// <summary>
    /// The store's two file names in its root directory and the one way the live log is ever replaced: a compaction
    /// writes <see cref="CompactionPath"/> completely, then the old log is deleted and the new one renamed into its
    /// place. Whatever step a crash interrupts, <see cref="RecoverInterruptedSwitch"/> finds one complete log: the old
    /// one while it still exists (a compaction output beside it may be partial and is deleted), else the compaction
    /// output, which was complete before the old log was deleted.
    /// </summary>
    internal sealed class LogFiles
    {
        public const string LogFileName = "edgebroker.log";
        public const string CompactionFileName = "edgebroker.log.new";

        readonly string _logPath;
        readonly string _compactionPath;

        public LogFiles(string rootDirectory)
        {
            if (!Directory.Exists(rootDirectory))
            {
                Directory.CreateDirectory(rootDirectory);
            }

            _logPath = Path.Combine(rootDirectory, LogFileName);
            _compactionPath = Path.Combine(rootDirectory, CompactionFileName);
        }

        public string LogPath
        {
            get { return _logPath; }
        }

        public string CompactionPath
        {
            get { return _compactionPath; }
        }

        public bool LogExists
        {
            get { return File.Exists(_logPath); }
        }

        /// <summary>Finishes or rolls back a switch a crash interrupted (see the class comment).</summary>
        public void RecoverInterruptedSwitch()
        {
            if (File.Exists(_logPath))
            {
                DeleteCompactionOutput();
            }
            else if (File.Exists(_compactionPath))
            {
                File.Move(_compactionPath, _logPath);
            }
        }

        public void DeleteCompactionOutput()
        {
            if (File.Exists(_compactionPath))
            {
                File.Delete(_compactionPath);
            }
        }

        /// <summary>The complete, closed compaction output becomes the log.</summary>
        public void ReplaceLogWithCompactionOutput()
        {
            if (File.Exists(_logPath))
            {
                File.Delete(_logPath);
            }

            File.Move(_compactionPath, _logPath);
        }
    }
}
