using SharpFuzz;

namespace EdgeBroker.Fuzz;

/// <summary>
/// <c>EdgeBroker.Fuzz TARGET</c> runs one target under afl-fuzz (SharpFuzz's persistent-mode fork server; outside
/// afl-fuzz it runs the input on stdin once); <c>seeds TARGET DIR</c> writes its starting corpus;
/// <c>assemblies TARGET</c> names the assemblies to instrument; <c>replay TARGET FILE...</c> runs saved inputs (afl's
/// crashes/ and hangs/) in-process and prints what each one does, to turn a finding into a regression test.
/// </summary>
static class Program
{
    static int Main(string[] args)
    {
        if (args.Length == 0)
        {
            return Usage();
        }

        switch (args[0])
        {
            case "seeds" when args.Length == 3:
                Find(args[1]).WriteSeeds(args[2]);
                return 0;
            case "assemblies" when args.Length == 2:
                Console.WriteLine(string.Join(' ', Find(args[1]).InstrumentedAssemblies));
                return 0;
            case "replay" when args.Length >= 3:
                return Replay(Find(args[1]), args[2..]);
            default:
                if (args.Length != 1)
                {
                    return Usage();
                }

                var target = Find(args[0]);
                Fuzzer.Run(stream =>
                {
                    using var copy = new MemoryStream();
                    stream.CopyTo(copy);
                    target.Execute(copy.ToArray());
                });
                return 0;
        }
    }

    static int Replay(FuzzTarget target, string[] files)
    {
        int failures = 0;
        foreach (var file in files)
        {
            try
            {
                target.Execute(File.ReadAllBytes(file));
                Console.WriteLine($"{file}: handled");
            }
            catch (Exception e)
            {
                failures++;
                Console.WriteLine($"{file}: {e}");
            }
        }

        return failures == 0 ? 0 : 1;
    }

    static FuzzTarget Find(string name) =>
        FuzzTarget.All.FirstOrDefault(t => t.Name == name)
        ?? throw new ArgumentException($"unknown target '{name}'; targets: {string.Join(", ", FuzzTarget.All.Select(t => t.Name))}");

    static int Usage()
    {
        Console.Error.WriteLine("usage: EdgeBroker.Fuzz TARGET | seeds TARGET DIR | assemblies TARGET | replay TARGET FILE...");
        Console.Error.WriteLine("targets: " + string.Join(", ", FuzzTarget.All.Select(t => t.Name)));
        return 2;
    }
}
