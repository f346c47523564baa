namespace EdgeBroker.NanoFrameworkGuard.Tests.Guard;

/// <summary>One finding: where (file and 1-based line), which rule, and what exactly was found there.</summary>
public sealed record SubsetViolation(string File, int Line, SubsetRule Rule, string Detail)
{
    public override string ToString()
    {
        return File + "(" + Line + "): " + Rule + ": " + Detail;
    }
}
