using System.Globalization;

namespace EdgeBroker.Benchmarks.Report;

/// <summary>How the report's tables write ratios, shares and free text.</summary>
static class MarkdownText
{
    /// <summary>Other processes' share of the machine above which a row is marked as measured on a busy machine.</summary>
    public const double BusyMachineShare = 0.10;

    /// <summary>"1.23×", or "n/a" without a usable reference.</summary>
    public static string Ratio(double value, double? reference) =>
        reference is { } r && r > 0 && !double.IsNaN(value) ? (value / r).ToString("0.00", CultureInfo.InvariantCulture) + "×" : "n/a";

    /// <summary>Other processes' share of the machine as a percentage, with ⚠ when the machine was busy.</summary>
    public static string OthersShare(double share) =>
        (share > BusyMachineShare ? "⚠ " : string.Empty) + (share * 100).ToString("0", CultureInfo.InvariantCulture) + "%";

    public static string FirstLine(string text) => text.Split('\n', 2)[0];

    /// <summary>Keeps a free-text cell from breaking the table.</summary>
    public static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace('\n', ' ');
}
