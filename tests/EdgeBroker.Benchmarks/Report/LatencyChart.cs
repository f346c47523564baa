using System.Globalization;
using System.Net;
using System.Text;
using EdgeBroker.Benchmarks.Cases;

namespace EdgeBroker.Benchmarks.Report;

/// <summary>
/// The latency percentiles (p50, p90, p99, p99.9) of every load case at the fixed offered rate as an SVG bar chart:
/// one group of four bars per case, on a logarithmic axis because the brokers' tails differ by orders of magnitude
/// where their medians do not. Plain SVG text, no chart library, so any browser or Markdown viewer shows it.
/// </summary>
public sealed class LatencyChart(IReadOnlyList<CaseResult> results, int offeredRate)
{
    const int BarWidth = 14;
    const int GroupGap = 22;
    const int PlotHeight = 300;
    const int Left = 70;
    const int Top = 50;
    /// <summary>Room for the case titles, written vertically under their groups (about 6 px a character).</summary>
    const int LabelHeight = 300;

    /// <summary>Wide enough for the title and legend however few cases ran.</summary>
    const int MinimumWidth = 520;
    const int Right = 20;

    static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    static readonly (string Name, string Color, Func<Measurement.LatencySummary, double> Value)[] Percentiles =
    [
        ("p50", "#4e79a7", summary => summary.P50Microseconds),
        ("p90", "#59a14f", summary => summary.P90Microseconds),
        ("p99", "#f28e2b", summary => summary.P99Microseconds),
        ("p99.9", "#e15759", summary => summary.P999Microseconds),
    ];

    /// <summary>The chart, or null when no load case measured latency.</summary>
    public string? Render()
    {
        var cases = results.Where(r => r.Case.Scenario == Scenario.Load && r.Latency is { Latency.Samples: > 0 }).ToList();
        if (cases.Count == 0)
        {
            return null;
        }

        var values = cases.SelectMany(r => Percentiles.Select(p => p.Value(r.Latency!.Latency))).Where(v => v > 0 && double.IsFinite(v)).ToList();
        var lowDecade = (int)Math.Floor(Math.Log10(values.Min()));
        var highDecade = (int)Math.Ceiling(Math.Log10(values.Max()));
        highDecade = Math.Max(highDecade, lowDecade + 1);
        var groupWidth = Percentiles.Length * BarWidth + GroupGap;
        var width = Math.Max(MinimumWidth, Left + cases.Count * groupWidth + Right);
        var height = Top + PlotHeight + LabelHeight;
        double Y(double microseconds) =>
            Top + PlotHeight - (Math.Log10(Math.Max(microseconds, Math.Pow(10, lowDecade))) - lowDecade) / (highDecade - lowDecade) * PlotHeight;

        var svg = new StringBuilder();
        svg.AppendLine(Invariant, $"""<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">""");
        svg.AppendLine(Invariant, $"""<rect width="{width}" height="{height}" fill="white"/>""");
        svg.AppendLine(Invariant, $"""<text x="{Left}" y="20" font-size="14" font-weight="bold">Latency at {offeredRate:N0} msg/s offered (publish to receive, log scale)</text>""");
        for (var i = 0; i < Percentiles.Length; i++)
        {
            var x = Left + i * 70;
            svg.AppendLine(Invariant, $"""<rect x="{x}" y="30" width="10" height="10" fill="{Percentiles[i].Color}"/><text x="{x + 14}" y="39">{Percentiles[i].Name}</text>""");
        }

        for (var decade = lowDecade; decade <= highDecade; decade++)
        {
            var y = Y(Math.Pow(10, decade));
            svg.AppendLine(Invariant, $"""<line x1="{Left}" y1="{y:0.#}" x2="{width - Right}" y2="{y:0.#}" stroke="#ccc"/>""");
            svg.AppendLine(Invariant, $"""<text x="{Left - 6}" y="{y + 4:0.#}" text-anchor="end">{Duration(Math.Pow(10, decade))}</text>""");
        }

        for (var c = 0; c < cases.Count; c++)
        {
            var latency = cases[c].Latency!.Latency;
            var groupLeft = Left + GroupGap / 2 + c * groupWidth;
            for (var p = 0; p < Percentiles.Length; p++)
            {
                var value = Percentiles[p].Value(latency);
                if (!double.IsFinite(value) || value <= 0)
                {
                    continue;
                }

                var y = Y(value);
                svg.AppendLine(Invariant,
                    $"""<rect x="{groupLeft + p * BarWidth}" y="{y:0.#}" width="{BarWidth - 2}" height="{Top + PlotHeight - y:0.#}" fill="{Percentiles[p].Color}"><title>{Escape(cases[c].Case.Title)} {Percentiles[p].Name}: {Duration(value)}</title></rect>""");
            }

            var labelX = groupLeft + Percentiles.Length * BarWidth / 2 + 4;
            var labelY = Top + PlotHeight + 8;
            svg.AppendLine(Invariant,
                $"""<text x="{labelX}" y="{labelY}" text-anchor="end" transform="rotate(-90 {labelX} {labelY})">{Escape(cases[c].Case.Title)}</text>""");
        }

        svg.AppendLine(Invariant, $"""<line x1="{Left}" y1="{Top + PlotHeight}" x2="{width - Right}" y2="{Top + PlotHeight}" stroke="black"/>""");
        svg.AppendLine("</svg>");
        return svg.ToString();
    }

    static string Duration(double microseconds) => microseconds >= 1000
        ? (microseconds / 1000).ToString(microseconds >= 10_000 ? "N0" : "0.#", Invariant) + " ms"
        : microseconds.ToString("N0", Invariant) + " µs";

    static string Escape(string text) => WebUtility.HtmlEncode(text);
}
