namespace Hosting.Portal.Tests.Observability;

/// <summary>Scrapes a silo's /metrics until a condition holds: the exporter caches its answer briefly, so a
/// value recorded a moment ago may show only in the next response.</summary>
public static class MetricsEndpoint
{
    public static async Task<string> ScrapeUntilAsync(HttpClient http, Func<string, bool> done, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(5));
        while (true)
        {
            var text = await http.GetStringAsync("/metrics");
            if (done(text) || DateTime.UtcNow > deadline)
            {
                return text;
            }
            await Task.Delay(100);
        }
    }

    public static Task<string> ScrapeDocumentedAsync(HttpClient http) => ScrapeUntilAsync(http, text =>
        MetricsDocument.PlatformMetrics.All(m => text.Contains($"\n{m.Name}{(m.Type == "histogram" ? "_count" : "")}{{", StringComparison.Ordinal)));
}
