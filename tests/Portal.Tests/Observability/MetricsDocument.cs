using System.Text.RegularExpressions;
using Hosting.TestKit;

namespace Hosting.Portal.Tests.Observability;

/// <summary>One row of a platform metrics table in docs/metrics.md.</summary>
/// <param name="Labels">Label name to its allowed values; an empty list means an open label (tenant, endpoint, method).</param>
public sealed record DocumentedMetric(string Name, string Instrument, string Type, IReadOnlyDictionary<string, IReadOnlyList<string>> Labels);

/// <summary>Reads the platform metric tables of docs/metrics.md, the contract the code and dashboards are held to.</summary>
public static partial class MetricsDocument
{
    public static string Path { get; } = RepositoryRoot.Combine("docs", "metrics.md");

    public static IReadOnlyList<DocumentedMetric> PlatformMetrics { get; } = Parse(File.ReadAllLines(Path));

    public static IReadOnlyList<DocumentedMetric> Parse(IEnumerable<string> lines)
    {
        var rows = new List<DocumentedMetric>();
        foreach (var line in lines)
        {
            if (!line.StartsWith("| `hosting_", StringComparison.Ordinal))
            {
                continue;
            }
            var cells = line.Trim().Trim('|').Split('|').Select(c => c.Trim()).ToArray();
            if (cells.Length != 7)
            {
                throw new FormatException($"docs/metrics.md: a metric row has 7 cells (name, instrument, type, unit, labels, meaning, recorded by), this one has {cells.Length}: {line}");
            }
            rows.Add(new DocumentedMetric(Unquote(cells[0]), Unquote(cells[1]), cells[2], ParseLabels(cells[4])));
        }
        return rows;
    }

    private static Dictionary<string, IReadOnlyList<string>> ParseLabels(string cell)
    {
        var labels = new Dictionary<string, IReadOnlyList<string>>();
        if (cell is "—" or "-" or "")
        {
            return labels;
        }
        foreach (var part in cell.Split(';'))
        {
            var names = Backticked().Matches(part).Select(m => m.Groups[1].Value).ToList();
            if (names.Count == 0)
            {
                throw new FormatException($"docs/metrics.md: a label is written `name` or `name`: `value` `value`, got '{part.Trim()}'.");
            }
            labels.Add(names[0], names.Skip(1).ToList());
        }
        return labels;
    }

    private static string Unquote(string cell) => Backticked().Match(cell) is { Success: true } m
        ? m.Groups[1].Value
        : throw new FormatException($"docs/metrics.md: expected a `backticked` name, got '{cell}'.");

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex Backticked();
}
