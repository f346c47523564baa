using System;
using EdgeBroker.Core.Offline;
using EdgeBroker.Core.Retained;
using EdgeBroker.Core.Security;
using EdgeBroker.Core.Sessions;
using EdgeBroker.Core.Uplink;

namespace EdgeBroker.Firmware.Storage
{
    /// <summary>
    /// Offline messages, persistent sessions and subscriptions, retained messages, paired devices and the uplinks'
    /// outbound queues in one bounded,
    /// append-only log file on flash
    /// (<c>edgebroker.log</c> in the root directory the device passes: <c>I:\edgebroker</c> on internal flash,
    /// <c>D:\…</c> on an SD card). Every change is one small entry appended and flushed before the call returns; when
    /// the log fills up or is mostly dead it is compacted into a new file that replaces it. Opening replays the log;
    /// an entry torn by a crash at the end is cut off, anything else damaged stops the start with a
    /// <see cref="FlashStoreException"/> naming the file, never with a silently emptied store.
    /// </summary>
    public sealed class FlashStore : IDisposable
    {
        readonly object _sync = new object();
        readonly RecordLog _log;
        readonly FlashOfflineStore _offline;
        readonly FlashSessionStore _sessions;
        readonly FlashRetainedStore _retained;
        readonly FlashDeviceStore _devices;
        readonly FlashUplinkQueue _uplinks;
        readonly ILogSection[] _sections;
        readonly LogCompactor _compactor;
        string _rewriteFailure;

        FlashStore(LogFiles files, FlashStoreLimits limits, OfflineLimits offlineLimits)
        {
            _log = new RecordLog(limits);
            _offline = new FlashOfflineStore(_sync, _log, offlineLimits);
            _sessions = new FlashSessionStore(_sync, _log);
            _retained = new FlashRetainedStore(_sync, _log);
            _devices = new FlashDeviceStore(_sync, _log);
            _uplinks = new FlashUplinkQueue(_sync, _log);

            // Sessions before messages: a compacted log is replayed in this order, small entries first.
            _sections = new ILogSection[] { _sessions, _devices, _retained, _offline, _uplinks };
            _compactor = new LogCompactor(files, _offline, _sections, limits.CompactionReserveBytes);
            _log.Attach(_sections, _compactor);
        }

        /// <summary>The store for <see cref="Core.BrokerCore"/>'s offline messages.</summary>
        public IOfflineStore Offline
        {
            get { return _offline; }
        }

        /// <summary>The store for <see cref="Core.BrokerCore"/>'s persistent sessions.</summary>
        public ISessionStore Sessions
        {
            get { return _sessions; }
        }

        /// <summary>The store for the retained messages (<see cref="RetainedMessages"/>).</summary>
        public IRetainedStore Retained
        {
            get { return _retained; }
        }

        /// <summary>The store for the paired devices (<see cref="BrokerSecurity"/>).</summary>
        public IDeviceStore Devices
        {
            get { return _devices; }
        }

        /// <summary>The uplinks' outbound queues (<see cref="Core.Uplink.Uplink"/>).</summary>
        public IUplinkQueueStore UplinkQueue
        {
            get { return _uplinks; }
        }

        public string LogPath
        {
            get { return _log.Path; }
        }

        /// <summary>The log file's size now (at most <see cref="FlashStoreLimits.MaxLogBytes"/>).</summary>
        public int LogBytes
        {
            get
            {
                lock (_sync)
                {
                    return _log.Length;
                }
            }
        }

        /// <summary>
        /// Opens (or creates) the store in <paramref name="rootDirectory"/> and replays its log. Throws
        /// <see cref="FlashStoreException"/> when the log is damaged or unreadable; the files are then left as they are.
        /// </summary>
        public static FlashStore Open(string rootDirectory, FlashStoreLimits limits, OfflineLimits offlineLimits)
        {
            return Open(new LogFiles(rootDirectory), limits, offlineLimits);
        }

        /// <summary><see cref="Open(string, FlashStoreLimits, OfflineLimits)"/> on <paramref name="files"/> (tests pass
        /// a drive of their own).</summary>
        internal static FlashStore Open(LogFiles files, FlashStoreLimits limits, OfflineLimits offlineLimits)
        {
            string rootDirectory = files.RootDirectory;
            try
            {
                files.CreateDirectory();
                files.RecoverInterruptedSwitch();
            }
            catch (Exception e)
            {
                throw new FlashStoreException("The offline store directory " + rootDirectory + " cannot be used (" + e.Message
                    + "). Check that the drive is mounted and writable.", e);
            }

            FlashStore store = new FlashStore(files, limits, offlineLimits);
            try
            {
                store.Load(files);
                files.MakeReserve(limits.CompactionReserveBytes);
            }
            catch (FlashStoreException)
            {
                throw;
            }
            catch (Exception e)
            {
                throw new FlashStoreException("The offline store " + files.LogPath + " cannot be read (" + e.Message
                    + "). Nothing was changed. Check the drive; restore the file from a backup or move it away to start "
                    + "with an empty store.", e);
            }

            return store;
        }

        /// <summary>Forgets every paired device and rewrites the log without them: the operator's way back from a store
        /// that paired devices filled, as the device has no device administration (<c>forget_paired_devices</c>). Returns
        /// how many were forgotten. A rewrite that finds no room on the drive is done before the next write; a power
        /// cut before it leaves them in the log, for the next start to forget.</summary>
        public int ForgetPairedDevices()
        {
            lock (_sync)
            {
                int forgotten = _devices.ForgetAll();
                if (forgotten > 0)
                {
                    try
                    {
                        _log.Compact();
                    }
                    catch (System.IO.IOException)
                    {
                        _log.CompactBeforeNextAppend();
                    }
                }

                return forgotten;
            }
        }

        /// <summary>Closes the log file; everything was already durable.</summary>
        public void Dispose()
        {
            lock (_sync)
            {
                _log.Close();
            }
        }

        void Load(LogFiles files)
        {
            LogFile file = files.LogExists ? LogFile.Open(files, files.LogPath) : _compactor.Compact(null);
            _log.Use(file);
            bool torn;
            int formatVersion;
            try
            {
                torn = LogRecovery.Replay(file, _log.Reader, _offline, _sections, out formatVersion);
            }
            catch (Exception)
            {
                file.Close();
                throw;
            }

            // A torn last entry is dropped by rewriting the log, not by shortening the file (LogFile says why). A log of
            // an older format is rewritten in this build's format before anything newer is appended to it.
            if (torn || formatVersion < LogHeader.FormatVersion)
            {
                try
                {
                    _log.Compact();
                }
                catch (FlashStoreException)
                {
                    throw;
                }
                catch (Exception e)
                {
                    // No room for the rewritten copy (a full drive): the log was read and is left as it is; the store
                    // serves what it holds (a queue still drains, removals kept in memory) and rewrites the log before
                    // its next write, which fails until there is room.
                    _log.CompactBeforeNextAppend();
                    _rewriteFailure = e.Message;
                }
            }
        }

        /// <summary>Why the log could not be rewritten when it was opened (a torn last entry, an older format, and no
        /// room for the copy on the drive), or null. Until it can, everything is read as it is and nothing new is
        /// stored.</summary>
        public string RewriteFailure
        {
            get { return _rewriteFailure; }
        }
    }
}
