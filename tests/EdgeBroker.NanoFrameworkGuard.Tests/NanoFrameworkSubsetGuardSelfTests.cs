using System.Text.RegularExpressions;
using EdgeBroker.NanoFrameworkGuard.Tests.Guard;

namespace EdgeBroker.NanoFrameworkGuard.Tests;

/// <summary>
/// Proves the guard catches what it is meant to catch, so a clean firmware run means something: a guard that
/// silently found nothing would pass the firmware test too.
/// </summary>
public partial class NanoFrameworkSubsetGuardSelfTests
{
    /// <summary>Each line marked <c>// expect: Rule</c> must be reported with that rule.</summary>
    const string ForbiddenSnippet = """
        using System;
        using System.Collections.Generic;
        using System.Linq;                                                  // expect: Linq
        using System.Threading.Tasks;

        namespace Sample
        {
            public record Point(int X, int Y);                              // expect: Records

            public class Box<T>                                             // expect: Generics
            {
            }

            public class Uses
            {
                public int Generic()
                {
                    List<int> numbers = new List<int>();                    // expect: Generics
                    Action<int> callback = null;                            // expect: Generics
                    return numbers.Count;                                   // expect: Generics
                }

                public void InferredGenericCall(byte[] buffer)
                {
                    Array.Resize(ref buffer, 8);                            // expect: Generics
                }

                public async Task<int> Async()                              // expect: AsyncAwait, Tasks
                {
                    await Task.Delay(1);                                    // expect: AsyncAwait, Tasks
                    return 1;
                }

                public int LinqMethod(int[] values)
                {
                    return values.Where(v => v > 0).Count();                // expect: Linq
                }

                public int QuerySyntax(int[] values)
                {
                    var positives = from v in values where v > 0 select v;  // expect: Linq
                    return 0;
                }

                public byte SpanOfBytes(byte[] buffer)
                {
                    Span<byte> span = buffer;                               // expect: Span
                    return span[0];
                }

                public int StackAlloc()
                {
                    Span<int> scratch = stackalloc int[4];                  // expect: Stackalloc
                    return scratch.Length;
                }

                public object Dynamic(object value)
                {
                    dynamic late = value;                                   // expect: Dynamic
                    return late;
                }

                public int Tuple()
                {
                    (int a, int b) pair = (1, 2);                           // expect: Tuples
                    return pair.a;
                }

                public unsafe int Pointer(int value)                        // expect: Unsafe
                {
                    int* p = &value;                                        // expect: Unsafe
                    return *p;
                }

                public System.Collections.IEnumerable Iterator()
                {
                    yield return 1;                                         // expect: Iterators
                }

                public void NotOnTheAllowList(string text)
                {
                    Console.WriteLine(text.Length);                         // expect: ApiNotAllowed
                    string[] parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries); // expect: ApiNotAllowed
                }
            }
        }
        """;

    /// <summary>Everyday firmware code, written with what the allow-list has: nothing may be reported.</summary>
    const string CleanSnippet = """
        using System.Collections;
        using System.Threading;

        namespace Sample
        {
            public sealed class Registry
            {
                readonly object _sync = new object();
                readonly Hashtable _byName = new Hashtable();
                readonly ArrayList _order = new ArrayList();
                int _changes;

                public int Add(string name, object value)
                {
                    lock (_sync)
                    {
                        _byName[name] = value;
                        _order.Add(name);
                        Interlocked.Increment(ref _changes);
                        string greeting = $"added {name}";
                        return name.IndexOf('/') < 0 ? greeting.Length : name.Substring(0, 1).Length;
                    }
                }
            }
        }
        """;

    static readonly AllowList RealAllowList = AllowList.ForFirmware(RepositoryPaths.AllowListFile);

    [GeneratedRegex(@"// expect: (?<rules>.+)$")]
    private static partial Regex ExpectMarker();

    [Fact]
    public void Reports_every_forbidden_construct_and_API_on_its_line()
    {
        IReadOnlyList<SubsetViolation> violations = Check(ForbiddenSnippet, RealAllowList);

        var missing = new List<string>();
        foreach ((int line, SubsetRule rule) in ExpectedViolations(ForbiddenSnippet))
        {
            if (!violations.Any(v => v.Line == line && v.Rule == rule))
            {
                missing.Add("line " + line + ": " + rule);
            }
        }

        Assert.True(missing.Count == 0,
            "Not reported: " + string.Join("; ", missing) + Environment.NewLine + "Reported:" + Environment.NewLine
            + string.Join(Environment.NewLine, violations));
    }

    [Fact]
    public void Names_the_missing_API_in_allow_list_form()
    {
        IReadOnlyList<SubsetViolation> violations = Check(ForbiddenSnippet, RealAllowList);

        Assert.Contains(violations, v => v.Detail.StartsWith("System.Console.WriteLine(System.Int32) ", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Detail.StartsWith("System.String.Split(System.Char, System.StringSplitOptions) ", StringComparison.Ordinal));
    }

    [Fact]
    public void Passes_code_that_stays_inside_the_subset()
    {
        Assert.Empty(Check(CleanSnippet, RealAllowList));
    }

    [Fact]
    public void Accepts_device_only_APIs_by_name_when_listed_and_ignores_dotnet_only_branches()
    {
        const string snippet = """
            #if NANOFRAMEWORK_1_0
            using System.Device.Gpio;
            #endif

            namespace Sample
            {
                public sealed class Led
                {
                    public void On()
                    {
            #if NANOFRAMEWORK_1_0
                        GpioController controller = new GpioController();
                        GpioPin pin = controller.OpenPin(2, PinMode.Output);
                        pin.Write(PinValue.High);
                        controller.OpenPin(3, PinMode.Output).Toggle();
            #else
                        System.Console.WriteLine("LED on");
            #endif
                    }
                }
            }
            """;
        AllowList withGpio = AllowList.Parse(RealAllowList.Entries.Concat(new[]
        {
            "System.Device.Gpio.GpioController..ctor()",
            "System.Device.Gpio.GpioController.OpenPin(System.Int32, System.Device.Gpio.PinMode)",
            "System.Device.Gpio.GpioPin.Write(System.Device.Gpio.PinValue)",
            "System.Device.Gpio.GpioPin.Toggle()",
            "System.Device.Gpio.PinMode.Output",
            "System.Device.Gpio.PinValue.High",
        }));

        Assert.Empty(Check(snippet, withGpio));
    }

    [Fact]
    public void Reports_device_only_APIs_that_are_not_listed()
    {
        // An ESP32-only API the firmware does not use, so it is not on the real list.
        const string snippet = """
            #if NANOFRAMEWORK_1_0
            using nanoFramework.Hardware.Esp32;
            #endif

            namespace Sample
            {
                public static class Power
                {
                    public static void Doze()
                    {
            #if NANOFRAMEWORK_1_0
                        Sleep.StartLightSleep();
            #endif
                    }
                }
            }
            """;

        IReadOnlyList<SubsetViolation> violations = Check(snippet, RealAllowList);

        int sleepLine = LineContaining(snippet, "Sleep.StartLightSleep");
        Assert.Contains(violations, v => v.Line == sleepLine && v.Rule == SubsetRule.UnresolvedApiNotAllowed
            && v.Detail.Contains("nanoFramework.Hardware.Esp32.Sleep.StartLightSleep", StringComparison.Ordinal));
    }

    static IReadOnlyList<SubsetViolation> Check(string source, AllowList allowList)
    {
        return new NanoFrameworkSubsetGuard(allowList).Check(new[] { new SourceFile("Snippet.cs", source) });
    }

    static int LineContaining(string source, string text)
    {
        return Array.FindIndex(source.Split('\n'), line => line.Contains(text, StringComparison.Ordinal)) + 1;
    }

    static IEnumerable<(int Line, SubsetRule Rule)> ExpectedViolations(string source)
    {
        string[] lines = source.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            Match marker = ExpectMarker().Match(lines[i].TrimEnd('\r'));
            if (!marker.Success)
            {
                continue;
            }

            foreach (string rule in marker.Groups["rules"].Value.Split(',', StringSplitOptions.TrimEntries))
            {
                yield return (i + 1, Enum.Parse<SubsetRule>(rule));
            }
        }
    }
}
