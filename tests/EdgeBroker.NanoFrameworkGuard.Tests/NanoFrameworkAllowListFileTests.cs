using System.Text.RegularExpressions;
using EdgeBroker.NanoFrameworkGuard.Tests.Guard;

namespace EdgeBroker.NanoFrameworkGuard.Tests;

/// <summary>
/// Keeps the allow-list reviewable: every entry says where in nanoFramework's sources it was checked, and is
/// written in the one form the guard compares (a misspelt entry would silently allow nothing).
/// </summary>
public partial class NanoFrameworkAllowListFileTests
{
    const string SourcePrefix = "# source:";

    static readonly string[] Lines = File.ReadAllLines(RepositoryPaths.AllowListFile);

    /// <summary><c># source: nanoframework/Repo path/File.cs</c>, anything after that is a free note.</summary>
    [GeneratedRegex(@"^# source: nanoframework/[A-Za-z0-9_.-]+ [^\s]+\.cs(\s.*)?$")]
    private static partial Regex SourceLine();

    /// <summary>A dotted name (".ctor" allowed), optionally a parameter list in () or [] of fully qualified types,
    /// each optionally by-ref. Requiring a dot in every type keeps out C# keywords such as int or string.</summary>
    [GeneratedRegex(@"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*(\.\.ctor)?" +
                    @"(\((?<p>((ref |out |in )?[A-Za-z_]\w*(\.[A-Za-z_]\w*)+(\[\])*)(, (ref |out |in )?[A-Za-z_]\w*(\.[A-Za-z_]\w*)+(\[\])*)*)?\)" +
                    @"|\[(ref |out |in )?[A-Za-z_]\w*(\.[A-Za-z_]\w*)+(\[\])*(, (ref |out |in )?[A-Za-z_]\w*(\.[A-Za-z_]\w*)+(\[\])*)*\])?$")]
    private static partial Regex EntryForm();

    [Fact]
    public void Every_entry_follows_a_source_line()
    {
        string? source = null;
        var orphans = new List<string>();
        foreach (string line in Lines.Select(l => l.Trim()))
        {
            if (line.StartsWith(SourcePrefix, StringComparison.Ordinal))
            {
                source = line;
            }
            else if (line.Length > 0 && !line.StartsWith('#') && source == null)
            {
                orphans.Add(line);
            }
        }

        Assert.True(orphans.Count == 0, "Entries before any '" + SourcePrefix + "' line: " + string.Join(", ", orphans));
    }

    [Fact]
    public void Source_lines_name_a_nanoFramework_repository_and_file()
    {
        string[] malformed = Lines.Select(l => l.Trim())
            .Where(l => l.StartsWith(SourcePrefix, StringComparison.Ordinal) && !SourceLine().IsMatch(l))
            .ToArray();

        Assert.True(malformed.Length == 0, "Malformed source lines: " + string.Join(" | ", malformed));
    }

    [Fact]
    public void Entries_are_in_the_form_the_guard_compares()
    {
        string[] malformed = AllowList.EntryLines(Lines).Where(entry => !EntryForm().IsMatch(entry)).ToArray();

        Assert.True(malformed.Length == 0, "Malformed entries: " + string.Join(" | ", malformed));
    }

    [Fact]
    public void Entries_are_only_what_the_device_compile_cannot_show()
    {
        // Whatever nanoFramework's mscorlib or a reference stub declares is allowed through them (AllowList.ForFirmware):
        // the file keeps only the names .NET binds differently from nanoFramework.
        var shown = new HashSet<string>(DeviceBuild.NanoReferenceApis.Names, StringComparer.Ordinal);

        string[] redundant = AllowList.EntryLines(Lines).Where(shown.Contains).ToArray();

        Assert.True(redundant.Length == 0, "Entries the nanoFramework references already declare (remove them):" + Environment.NewLine
            + string.Join(Environment.NewLine, redundant));
    }

    [Fact]
    public void Entries_are_listed_once()
    {
        string[] duplicates = AllowList.EntryLines(Lines)
            .GroupBy(entry => entry, StringComparer.Ordinal)
            .Where(group => group.Count() > 1)
            .Select(group => group.Key)
            .ToArray();

        Assert.Empty(duplicates);
    }
}
