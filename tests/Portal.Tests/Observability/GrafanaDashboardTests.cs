namespace Hosting.Portal.Tests.Observability;

/// <summary>The Grafana dashboards import cleanly and the tenant view never shows another tenant's data.</summary>
public sealed class GrafanaDashboardTests
{
    [Fact]
    public void the_fleet_and_tenant_dashboards_exist_with_unique_uids_and_a_prometheus_datasource_variable()
    {
        var names = GrafanaDashboards.Files.Select(Path.GetFileName).ToList();
        Assert.Contains("fleet.json", names);
        Assert.Contains("tenant.json", names);
        var dashboards = GrafanaDashboards.Files.Select(GrafanaDashboards.Load).ToList();
        Assert.Equal(dashboards.Count, dashboards.Select(d => d.GetProperty("uid").GetString()).Distinct().Count());
        foreach (var dashboard in dashboards)
        {
            var variables = dashboard.GetProperty("templating").GetProperty("list").EnumerateArray().ToList();
            Assert.Contains(variables, v => v.GetProperty("name").GetString() == "datasource" && v.GetProperty("query").GetString() == "prometheus");
            Assert.NotEmpty(GrafanaDashboards.Queries(dashboard));
            Assert.All(GrafanaDashboards.Panels(dashboard).Where(p => p.GetProperty("type").GetString() != "row"),
                p => Assert.Equal("${datasource}", p.GetProperty("datasource").GetProperty("uid").GetString()));
        }
    }

    [Fact]
    public void every_query_of_the_tenant_dashboard_selects_the_chosen_tenant()
    {
        var dashboard = GrafanaDashboards.Load(GrafanaDashboards.Files.Single(f => f.EndsWith("tenant.json", StringComparison.Ordinal)));
        var tenant = Assert.Single(dashboard.GetProperty("templating").GetProperty("list").EnumerateArray(), v => v.GetProperty("name").GetString() == "tenant");
        Assert.Equal("query", tenant.GetProperty("type").GetString());

        var unfiltered = GrafanaDashboards.Queries(dashboard).Where(q => !q.Expr.Contains("tenant=\"$tenant\"", StringComparison.Ordinal)).ToList();

        Assert.True(unfiltered.Count == 0, "tenant.json queries that would show every tenant:\n" + string.Join("\n", unfiltered.Select(q => $"{q.Panel}: {q.Expr}")));
    }
}
