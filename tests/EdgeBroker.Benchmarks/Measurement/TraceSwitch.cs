namespace EdgeBroker.Benchmarks.Measurement;

/// <summary>
/// Files the harness writes <c>1</c> to when a load case's fixed-rate phase starts and <c>0</c> when it has ended
/// (<c>--trace-switch FILE</c>, any number of times): ftrace instances' <c>tracing_on</c>, so that a kernel trace taken
/// alongside the message log (<see cref="MessageLog"/>) holds that phase and nothing else, in ring buffers that are
/// never read while the phase runs. No files: nothing is written.
/// </summary>
public sealed class TraceSwitch(IReadOnlyList<FileInfo> files)
{
    public void On() => WriteAll("1");

    public void Off() => WriteAll("0");

    void WriteAll(string value)
    {
        foreach (var file in files)
        {
            File.WriteAllText(file.FullName, value);
        }
    }
}
