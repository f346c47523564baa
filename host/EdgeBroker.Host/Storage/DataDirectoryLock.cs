using System.Diagnostics.CodeAnalysis;

namespace EdgeBroker.Host.Storage;

/// <summary>
/// A broker's hold on its data directory: an exclusive lock on <see cref="FileName"/> in it, kept open until disposed.
/// Two brokers on one directory would each deliver what it stores — a persistent client got the same messages from
/// both — so the second one stops at start instead. .NET takes <see cref="FileShare.None"/> as an advisory flock on
/// Linux and macOS (every EdgeBroker asks for it, so it keeps every other one out) and as a sharing mode on Windows; the
/// kernel drops it when the process ends, kill -9 included, so a crashed broker never leaves its directory held. The
/// file stays behind, empty: only the lock means anything. The host and the emulator both take it (the emulator links
/// this file).
/// </summary>
sealed class DataDirectoryLock : IDisposable
{
    public const string FileName = "edgebroker.lock";

    readonly FileStream _file;

    DataDirectoryLock(FileStream file) => _file = file;

    /// <summary>
    /// Creates <paramref name="directory"/> when missing and takes its lock. False, with <paramref name="problem"/> for the
    /// operator on one line — the directory, what is wrong with it and what to do — when the directory cannot be created
    /// or written, or another process holds it.
    /// </summary>
    public static bool TryTake(string directory, [NotNullWhen(true)] out DataDirectoryLock? held, [NotNullWhen(false)] out string? problem)
    {
        directory = Path.GetFullPath(directory);
        held = null;
        try
        {
            Directory.CreateDirectory(directory);
            held = new DataDirectoryLock(new FileStream(Path.Combine(directory, FileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            problem = null;
            return true;
        }
        catch (IOException e) when (IsHeldByAnotherProcess(e))
        {
            problem = $"The data directory {directory} is in use by another EdgeBroker; stop it or choose another --data-dir.";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problem = $"The data directory {directory} cannot be used: {WhatIsWrong(directory, e)}. " +
                "Choose another --data-dir, or make this one a directory the broker's user can write to.";
        }

        return false;
    }

    public void Dispose() => _file.Dispose();

    /// <summary>How .NET reports the lock held elsewhere: flock's EWOULDBLOCK as the HResult on Linux (11) and macOS
    /// (35), ERROR_SHARING_VIOLATION on Windows.</summary>
    static bool IsHeldByAnotherProcess(IOException e) =>
        e.HResult == (OperatingSystem.IsWindows() ? unchecked((int)0x80070020) : OperatingSystem.IsMacOS() ? 35 : 11);

    static string WhatIsWrong(string directory, Exception e)
    {
        for (var path = directory; path is not null; path = Path.GetDirectoryName(path))
        {
            if (File.Exists(path))
            {
                return $"{path} is a file, not a directory";
            }
        }

        var exists = Directory.Exists(directory);
        return e is UnauthorizedAccessException
            ? exists ? "this user may not write to it" : "this user may not create it"
            : $"{(exists ? "it cannot be written" : "it cannot be created")} ({e.Message.TrimEnd('.')})";
    }
}
