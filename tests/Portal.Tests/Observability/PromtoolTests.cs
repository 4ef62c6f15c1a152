namespace Hosting.Portal.Tests.Observability;

/// <summary>promtool's exposition-format check and lint on a real scrape of a devnet silo.</summary>
[Collection(ObservabilityCollection.Name)]
public sealed class PromtoolTests(DevnetSilo silo)
{
    // promtool check metrics: 0 = clean, 3 = lint problems only, 1 = the text did not parse.
    private const int LintProblemsOnly = 3;

    [Fact]
    public async Task promtool_check_metrics_parses_a_real_scrape_and_finds_no_problem_in_the_platform_families()
    {
        PlatformSamples.RecordAll();
        using var gauges = PlatformSamples.ObserveAll();
        var scrape = await MetricsEndpoint.ScrapeDocumentedAsync(silo.Http);

        var result = await PrometheusTools.PromtoolAsync(["check", "metrics"], scrape);

        var report = (result.StandardOutput + "\n" + result.StandardError).Trim();
        Assert.True(result.ExitCode is 0 or LintProblemsOnly, $"promtool check metrics could not parse the scrape (exit {result.ExitCode}): {report}");
        var ours = report.Split('\n').Where(line => line.StartsWith("hosting_", StringComparison.Ordinal)).ToList();
        Assert.True(ours.Count == 0, "promtool check metrics found problems in the platform's own metrics:\n" + string.Join("\n", ours));
        Assert.Contains("hosting_slot_outcomes_total", scrape);
    }
}
