using Microsoft.CodeAnalysis;

namespace EdgeBroker.NanoFrameworkGuard.Tests.Guard;

/// <summary>
/// The framework types and members the firmware may use: the public API of nanoFramework's mscorlib and of the
/// reference stubs (<see cref="ForFirmware"/>), plus the reviewed entries of nanoframework-1.x-api.txt.
/// File format (see the header of nanoframework-1.x-api.txt): one entry per line in <see cref="ApiNames"/> form,
/// <c>#</c> starts a comment line, blank lines are ignored.
/// </summary>
public sealed class AllowList
{
    readonly HashSet<string> _entries;

    /// <summary>Every dotted name an entry stands for: the entry without its parameter list and each of its
    /// namespace/type prefixes. A listed member proves its type and namespace exist too.</summary>
    readonly HashSet<string> _names;

    /// <summary>The last part of every entry's name (<c>Write</c> for <c>…GpioPin.Write(…)</c>).</summary>
    readonly HashSet<string> _memberNames;

    AllowList(IEnumerable<string> entries)
    {
        _entries = new HashSet<string>(entries, StringComparer.Ordinal);
        _names = new HashSet<string>(_entries.SelectMany(NameAndPrefixes), StringComparer.Ordinal);
        _memberNames = new HashSet<string>(_entries.Select(MemberName), StringComparer.Ordinal);
    }

    public IReadOnlyCollection<string> Entries
    {
        get { return _entries; }
    }

    public static AllowList Load(string path)
    {
        return Parse(File.ReadAllLines(path));
    }

    /// <summary>What the firmware may use: the reviewed entries of <paramref name="path"/> plus everything the public
    /// API of nanoFramework's mscorlib and of the reference stubs has (the device compile proves those exist).</summary>
    public static AllowList ForFirmware(string path)
    {
        return Parse(File.ReadAllLines(path).Concat(DeviceBuild.NanoReferenceApis.Names));
    }

    public static AllowList Parse(IEnumerable<string> lines)
    {
        return new AllowList(EntryLines(lines));
    }

    /// <summary>The lines that are entries (not comments, not blank), trimmed.</summary>
    public static IEnumerable<string> EntryLines(IEnumerable<string> lines)
    {
        return lines.Select(line => line.Trim()).Where(line => line.Length > 0 && !line.StartsWith('#'));
    }

    /// <summary>A resolved framework symbol: members must be listed exactly (overload included); a type is allowed
    /// when it is listed itself or any of its members is.</summary>
    public bool Allows(ISymbol symbol)
    {
        return symbol is ITypeSymbol type
            ? _names.Contains(ApiNames.OfType(type))
            : _entries.Contains(ApiNames.Of(symbol));
    }

    /// <summary>A name that could not be resolved against .NET (device-only code): allowed when some entry is that
    /// namespace, type or member, whatever its overload.</summary>
    public bool AllowsName(string dottedName)
    {
        return _names.Contains(dottedName);
    }

    /// <summary>A member of an expression whose type could not be resolved either: allowed when some entry has a
    /// member of that name. The weakest check, kept for device-only call chains that nothing else can qualify.</summary>
    public bool AllowsMemberName(string memberName)
    {
        return _memberNames.Contains(memberName);
    }

    static string NameWithoutSignature(string entry)
    {
        int signature = entry.IndexOfAny(new[] { '(', '[' });
        return signature < 0 ? entry : entry.Substring(0, signature);
    }

    static string MemberName(string entry)
    {
        string name = NameWithoutSignature(entry);
        return name.Substring(name.LastIndexOf('.') + 1);
    }

    static IEnumerable<string> NameAndPrefixes(string entry)
    {
        string name = NameWithoutSignature(entry);
        yield return name;
        for (int dot = name.IndexOf('.'); dot > 0; dot = name.IndexOf('.', dot + 1))
        {
            // ".ctor" leaves an empty segment ("Type..ctor"): its prefix "Type." names nothing.
            if (name[dot - 1] != '.')
            {
                yield return name.Substring(0, dot);
            }
        }
    }
}
