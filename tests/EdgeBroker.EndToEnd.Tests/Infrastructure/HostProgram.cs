namespace EdgeBroker.EndToEnd.Tests.Infrastructure;

/// <summary>The host program as users run it (<c>dotnet EdgeBroker.Host.dll …</c>), built beside the tests.</summary>
public static class HostProgram
{
    public static readonly string Dll = Path.Combine(AppContext.BaseDirectory, "EdgeBroker.Host.dll");

    /// <summary>How long a child process of the program may take to start, answer or stop.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
}
