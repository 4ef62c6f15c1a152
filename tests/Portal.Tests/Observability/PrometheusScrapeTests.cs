using System.Text.Json;
using Hosting.Contracts.Telemetry;
using Hosting.TestKit;

namespace Hosting.Portal.Tests.Observability;

/// <summary>
/// The repository's Prometheus configuration and alert rules, run by the real Prometheus server against a
/// devnet silo: it scrapes every documented metric with its labels, evaluates every rule without error, and
/// fires MissedProposal for the tenant whose slot was missed.
/// </summary>
[Collection(ObservabilityCollection.Name)]
public sealed class PrometheusScrapeTests(DevnetSilo silo)
{
    [Fact]
    public async Task prometheus_with_the_repository_config_stores_every_documented_metric_and_fires_an_alert_from_it()
    {
        var tenant = "e2e-" + Guid.NewGuid().ToString("N")[..8];
        PlatformSamples.RecordAll();
        PlatformMetrics.TenantHosted(tenant);
        using var gauges = PlatformSamples.ObserveAll();
        var target = silo.Http.BaseAddress!.Authority;
        await using var prometheus = await PrometheusServer.StartAsync(RepositoryConfigScraping(target));

        var expected = MetricsDocument.PlatformMetrics.Select(m => m.Type == "histogram" ? m.Name + "_count" : m.Name).ToHashSet();
        var stored = new HashSet<string>();
        await prometheus.WaitUntilAsync("every documented metric", async () =>
        {
            stored = (await prometheus.QueryAsync("""count by (__name__) ({__name__=~"hosting_.+", job="hosting-silo"})"""))
                .EnumerateArray().Select(r => r.GetProperty("metric").GetProperty("__name__").GetString()!).ToHashSet();
            return expected.IsSubsetOf(stored);
        }, TimeSpan.FromSeconds(20));
        Assert.DoesNotContain(stored, name => name.EndsWith("_created", StringComparison.Ordinal));

        var missed = Assert.Single((await prometheus.QueryAsync($$"""hosting_slot_outcomes_total{tenant="{{tenant}}",outcome="missed"}""")).EnumerateArray());
        var labels = missed.GetProperty("metric");
        Assert.Equal("hosting-silo", labels.GetProperty("job").GetString());
        Assert.Equal(target, labels.GetProperty("instance").GetString());
        Assert.Equal("devnet", labels.GetProperty("deployment").GetString());
        Assert.Equal("Hosting.Platform", labels.GetProperty("otel_scope_name").GetString());
        Assert.Equal("0", missed.GetProperty("value")[1].GetString());
        var up = Assert.Single((await prometheus.QueryAsync("""up{job="hosting-silo"}""")).EnumerateArray());
        Assert.Equal("1", up.GetProperty("value")[1].GetString());

        await prometheus.WaitUntilAsync("every alert rule evaluated without error", async () =>
        {
            var rules = (await prometheus.GetDataAsync("/api/v1/rules")).GetProperty("groups").EnumerateArray()
                .SelectMany(g => g.GetProperty("rules").EnumerateArray()).ToList();
            var broken = rules.Where(r => r.GetProperty("health").GetString() == "err").Select(r => $"{r.GetProperty("name")}: {r.GetProperty("lastError")}").ToList();
            Assert.True(broken.Count == 0, "alert rules failed on real data:\n" + string.Join("\n", broken));
            return rules.Count > 0 && rules.All(r => r.GetProperty("health").GetString() == "ok");
        }, TimeSpan.FromSeconds(10));

        PlatformMetrics.ProposalSettled(tenant, ProposalOutcome.Missed);

        JsonElement? alert = null;
        await prometheus.WaitUntilAsync($"MissedProposal firing for {tenant}", async () =>
        {
            alert = (await prometheus.GetDataAsync("/api/v1/alerts")).GetProperty("alerts").EnumerateArray()
                .Where(a => a.GetProperty("labels").GetProperty("alertname").GetString() == "MissedProposal"
                    && a.GetProperty("labels").TryGetProperty("tenant", out var t) && t.GetString() == tenant
                    && a.GetProperty("state").GetString() == "firing")
                .Select(a => (JsonElement?)a).FirstOrDefault();
            return alert is not null;
        }, TimeSpan.FromSeconds(15));
        Assert.Equal("critical", alert!.Value.GetProperty("labels").GetProperty("severity").GetString());
        Assert.Contains(tenant, alert.Value.GetProperty("annotations").GetProperty("summary").GetString());
    }

    [Fact]
    public async Task every_grafana_dashboard_query_evaluates_in_prometheus()
    {
        PlatformSamples.RecordAll();
        using var gauges = PlatformSamples.ObserveAll();
        await using var prometheus = await PrometheusServer.StartAsync(RepositoryConfigScraping(silo.Http.BaseAddress!.Authority));
        await prometheus.WaitUntilAsync("a first scrape", async () => (await prometheus.QueryAsync("hosting_tenants")).GetArrayLength() > 0, TimeSpan.FromSeconds(15));

        var failures = new List<string>();
        foreach (var file in GrafanaDashboards.Files)
        {
            foreach (var (panel, expr) in GrafanaDashboards.Queries(GrafanaDashboards.Load(file)))
            {
                try
                {
                    await prometheus.QueryAsync(GrafanaDashboards.Expand(expr));
                }
                catch (Exception e) when (e is InvalidOperationException or HttpRequestException)
                {
                    failures.Add($"{Path.GetFileName(file)} / {panel}: {expr}: {e.Message}");
                }
            }
        }
        Assert.True(failures.Count == 0, "dashboard queries Prometheus rejects:\n" + string.Join("\n", failures));
    }

    /// <summary>infra/prometheus as shipped, with the devnet target pointed at this silo and 1 s intervals.</summary>
    private static Dictionary<string, string> RepositoryConfigScraping(string target)
    {
        var config = File.ReadAllText(RepositoryRoot.Combine("infra", "prometheus", "prometheus.yml"));
        foreach (var (from, to) in new[]
        {
            ("scrape_interval: 10s", "scrape_interval: 1s"),
            ("scrape_timeout: 5s", "scrape_timeout: 1s"),
            ("evaluation_interval: 10s", "evaluation_interval: 1s"),
            ("\"127.0.0.1:5080\"", $"\"{target}\""),
        })
        {
            Assert.True(config.Contains(from, StringComparison.Ordinal), $"infra/prometheus/prometheus.yml no longer contains '{from}', which this test rewrites to '{to}'.");
            config = config.Replace(from, to, StringComparison.Ordinal);
        }
        var files = new Dictionary<string, string> { ["prometheus.yml"] = config };
        foreach (var file in new[] { "alerts.yml", "targets/silos/production.yml", "targets/portals/production.yml" })
        {
            files[file] = File.ReadAllText(RepositoryRoot.Combine(["infra", "prometheus", .. file.Split('/')]));
        }
        return files;
    }
}
