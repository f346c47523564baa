using EdgeBroker.Fuzz.Mqtt;
using EdgeBroker.Fuzz.Relay;
using EdgeBroker.Fuzz.Storage;

namespace EdgeBroker.Fuzz;

/// <summary>
/// One thing the fuzzer feeds bytes to. <see cref="Execute"/> returns normally for every input the code under test
/// handles as designed — accepted, or refused with the error that closes only that connection or names the damaged
/// file; any other exception escapes, and afl-fuzz records the input as a crash.
/// </summary>
abstract class FuzzTarget
{
    /// <summary>The name tests/fuzz/run.sh passes on the command line.</summary>
    public abstract string Name { get; }

    /// <summary>The assemblies SharpFuzz instruments for this target: the code under test, nothing else.</summary>
    public abstract string[] InstrumentedAssemblies { get; }

    public abstract void Execute(byte[] input);

    /// <summary>Writes the starting corpus into <paramref name="directory"/>: valid inputs for afl-fuzz to mutate.</summary>
    public abstract void WriteSeeds(string directory);

    public static readonly FuzzTarget[] All = [new RelayDecoderTarget(), new HostPacketTarget(), new FlashLogRecoveryTarget()];
}
