using System.Reflection;

namespace EdgeBroker.Host.Runtime;

/// <summary>
/// Loads, before the broker listens, every assembly the host's code refers to. The runtime loads an assembly when code
/// that needs it is first compiled, and opening its file takes a descriptor: with the descriptor table full (a flood of
/// connections, see <see cref="Transport.DescriptorReserve"/>) that first load fails with
/// <see cref="FileNotFoundException"/>, and the runtime's binder remembers the failure, so the assembly can never be
/// loaded by the process again. Seen in <c>DescriptorExhaustionTests</c>: MQTTnet first needed by the one-second tick
/// while the table was full; every tick and every later connection failed. The host's own references only, about 60
/// of which ~55 are loaded by start-up anyway: their references in turn are some 200 assemblies, 30 MB resident, for
/// code paths (another platform's, features not configured) that mostly never run.
/// </summary>
static class AssemblyPreload
{
    /// <summary>Loads the host assembly's references.</summary>
    public static void LoadReferences()
    {
        foreach (var reference in typeof(AssemblyPreload).Assembly.GetReferencedAssemblies())
        {
            try
            {
                Assembly.Load(reference);
            }
            catch (Exception exception) when (exception is FileNotFoundException or FileLoadException or BadImageFormatException)
            {
                // Not in this installation: the code that needs it fails when it runs, as it did before.
            }
        }
    }
}
