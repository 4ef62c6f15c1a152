using System.Text.Json;
using Hosting.TestKit;

namespace Hosting.Portal.Tests.Observability;

/// <summary>The dashboards of infra/grafana/dashboards and the PromQL of their panels.</summary>
public static class GrafanaDashboards
{
    public static IReadOnlyList<string> Files { get; } =
        Directory.GetFiles(RepositoryRoot.Combine("infra", "grafana", "dashboards"), "*.json").Order().ToList();

    public static JsonElement Load(string file) => JsonDocument.Parse(File.ReadAllText(file)).RootElement;

    /// <summary>Every panel of the dashboard, those inside collapsed rows included.</summary>
    public static IEnumerable<JsonElement> Panels(JsonElement dashboard) =>
        dashboard.GetProperty("panels").EnumerateArray().SelectMany(p =>
            p.TryGetProperty("panels", out var nested) ? nested.EnumerateArray().Prepend(p) : [p]);

    public static IEnumerable<(string Panel, string Expr)> Queries(JsonElement dashboard) =>
        from panel in Panels(dashboard)
        where panel.TryGetProperty("targets", out _)
        from target in panel.GetProperty("targets").EnumerateArray()
        select (panel.GetProperty("title").GetString()!, target.GetProperty("expr").GetString()!);

    /// <summary>The query as Grafana would send it, its variables replaced by plausible values.</summary>
    public static string Expand(string expr) => expr
        .Replace("$__rate_interval", "15s", StringComparison.Ordinal)
        .Replace("$__range", "5m", StringComparison.Ordinal)
        .Replace("$tenant", "acme", StringComparison.Ordinal);
}
