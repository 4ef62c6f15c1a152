using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Telemetry;

namespace Hosting.Portal.Tests.Observability;

/// <summary>docs/metrics.md, the PlatformMetrics catalogue and a real /metrics scrape say the same thing.</summary>
[Collection(ObservabilityCollection.Name)]
public sealed class MetricsCatalogueTests(DevnetSilo silo)
{
    private static readonly HashSet<string> ExporterLabels = ["otel_scope_name", "otel_scope_version"];

    [Fact]
    public void every_instrument_of_the_platform_meter_has_its_row_in_the_docs_and_every_row_an_instrument()
    {
        var instruments = PlatformInstruments();
        var rows = MetricsDocument.PlatformMetrics.ToDictionary(r => r.Instrument);
        var problems = new List<string>();
        foreach (var instrument in instruments)
        {
            if (!rows.TryGetValue(instrument.Name, out var row))
            {
                problems.Add($"instrument {instrument.Name} has no row in docs/metrics.md (it exports as {ExportedName(instrument)})");
                continue;
            }
            if (row.Name != ExportedName(instrument))
            {
                problems.Add($"instrument {instrument.Name} exports as {ExportedName(instrument)}, docs/metrics.md says {row.Name}");
            }
            if (row.Type != TypeOf(instrument))
            {
                problems.Add($"{row.Name} is a {TypeOf(instrument)}, docs/metrics.md says {row.Type}");
            }
        }
        foreach (var row in rows.Values.Where(r => instruments.All(i => i.Name != r.Instrument)))
        {
            problems.Add($"docs/metrics.md lists {row.Name} ({row.Instrument}) but PlatformMetrics has no such instrument");
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.NotEmpty(rows);
    }

    [Fact]
    public async Task a_scrape_shows_every_documented_metric_with_exactly_its_labels_and_values()
    {
        PlatformSamples.RecordAll();
        using var gauges = PlatformSamples.ObserveAll();

        var scrape = ScrapeText.Parse(await MetricsEndpoint.ScrapeDocumentedAsync(silo.Http));

        var problems = new List<string>();
        foreach (var row in MetricsDocument.PlatformMetrics)
        {
            if (!scrape.Types.TryGetValue(row.Name, out var type))
            {
                problems.Add($"{row.Name}: not in the scrape");
                continue;
            }
            if (type != row.Type)
            {
                problems.Add($"{row.Name}: scraped as {type}, documented as {row.Type}");
            }
            var samples = scrape.Named(row.Type == "histogram" ? row.Name + "_count" : row.Name).ToList();
            var labels = samples.SelectMany(s => s.Labels.Keys).Where(k => !ExporterLabels.Contains(k)).ToHashSet();
            if (!labels.SetEquals(row.Labels.Keys))
            {
                problems.Add($"{row.Name}: scraped labels [{string.Join(", ", labels.Order())}], documented [{string.Join(", ", row.Labels.Keys.Order())}]");
            }
            foreach (var (label, allowed) in row.Labels.Where(l => l.Value.Count > 0))
            {
                var values = samples.Select(s => s.Labels.GetValueOrDefault(label)).OfType<string>().ToHashSet();
                if (!values.SetEquals(allowed))
                {
                    problems.Add($"{row.Name}: {label} scraped as [{string.Join(" ", values.Order())}], documented [{string.Join(" ", allowed.Order())}]");
                }
            }
            if (row.Labels.ContainsKey("tenant") && !PlatformSamples.Tenants.All(t => samples.Any(s => s.Labels.GetValueOrDefault("tenant") == t)))
            {
                problems.Add($"{row.Name}: the recorded tenants {string.Join(", ", PlatformSamples.Tenants)} are not all in the scrape");
            }
            if (row.Labels.ContainsKey("endpoint"))
            {
                // Other tests in this process call real L1 nodes too, so more endpoints may be there: each must
                // still be host:port only (no path, no query: providers put API keys there).
                var endpoints = samples.Select(s => s.Labels["endpoint"]).ToHashSet();
                if (!PlatformSamples.EndpointLabels.All(endpoints.Contains)
                    || endpoints.Any(e => e != "other" && !System.Text.RegularExpressions.Regex.IsMatch(e, @"^[A-Za-z0-9.\-\[\]:]+:[0-9]+$")))
                {
                    problems.Add($"{row.Name}: endpoint scraped as [{string.Join(" ", endpoints)}], expected host:port only, including [{string.Join(" ", PlatformSamples.EndpointLabels)}]");
                }
            }
        }
        Assert.True(problems.Count == 0, "docs/metrics.md and /metrics disagree:\n" + string.Join("\n", problems));
    }

    [Fact]
    public async Task an_rpc_url_with_an_api_key_in_its_path_exports_only_host_and_port()
    {
        PlatformMetrics.L1RpcSucceeded(new Uri("https://mainnet.example.net:8443/v2/k3y-do-not-leak?apikey=also-secret"), "eth_blockNumber", TimeSpan.FromMilliseconds(30));

        var text = await MetricsEndpoint.ScrapeUntilAsync(silo.Http, t => t.Contains("mainnet.example.net:8443", StringComparison.Ordinal));

        Assert.Contains("endpoint=\"mainnet.example.net:8443\"", text);
        Assert.DoesNotContain("k3y-do-not-leak", text);
        Assert.DoesNotContain("also-secret", text);
    }

    [Fact]
    public async Task an_unknown_rpc_method_and_an_out_of_range_enum_export_as_other()
    {
        PlatformMetrics.L1RpcFailed(new Uri("http://127.0.0.1:8545"), "debug_traceTransaction_" + Guid.NewGuid().ToString("N"), TimeSpan.FromSeconds(2), (L1RpcError)99);

        var text = await MetricsEndpoint.ScrapeUntilAsync(silo.Http, t => t.Contains("method=\"other\"", StringComparison.Ordinal));

        Assert.Contains("error=\"other\"", text);
        Assert.DoesNotContain("debug_traceTransaction", text);
    }

    [Fact]
    public async Task a_throwing_gauge_source_does_not_blank_the_other_sources()
    {
        using var broken = PlatformMetrics.ObserveSequencers(() => throw new InvalidOperationException("score index not loaded"));
        using var healthy = PlatformMetrics.ObserveSequencers(() => [new SequencerCount("initech", SequencerStatus.Active, 42)]);

        var text = await MetricsEndpoint.ScrapeUntilAsync(silo.Http, t => t.Contains("tenant=\"initech\"", StringComparison.Ordinal));

        Assert.Contains("status=\"active\",tenant=\"initech\"} 42", text);
    }

    [Fact]
    public async Task a_disposed_gauge_source_stops_reporting_rather_than_leaving_a_stale_value()
    {
        var registration = PlatformMetrics.ObserveSequencers(() => [new SequencerCount("umbrella", SequencerStatus.Exiting, 5)]);
        await MetricsEndpoint.ScrapeUntilAsync(silo.Http, t => t.Contains("tenant=\"umbrella\"", StringComparison.Ordinal));

        registration.Dispose();

        var text = await MetricsEndpoint.ScrapeUntilAsync(silo.Http, t => !t.Contains("tenant=\"umbrella\"", StringComparison.Ordinal));
        Assert.DoesNotContain("tenant=\"umbrella\"", text);
    }

    private static List<Instrument> PlatformInstruments()
    {
        RuntimeHelpers.RunClassConstructor(typeof(PlatformMetrics).TypeHandle);
        var instruments = new List<Instrument>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name == HostingTelemetry.MeterName)
                {
                    instruments.Add(instrument);
                }
            },
        };
        listener.Start();
        return instruments;
    }

    /// <summary>The exporter's naming as docs/metrics.md describes it; the scrape test checks the result for real.</summary>
    private static string ExportedName(Instrument instrument)
    {
        var name = instrument.Name.Replace('.', '_');
        var unit = instrument.Unit switch
        {
            null or "" => "",
            "s" => "seconds",
            "ms" => "milliseconds",
            "By" => "bytes",
            var u when u.StartsWith('{') => "",
            var u => u,
        };
        if (unit.Length > 0 && !name.EndsWith("_" + unit, StringComparison.Ordinal))
        {
            name += "_" + unit;
        }
        return TypeOf(instrument) == "counter" && !name.EndsWith("_total", StringComparison.Ordinal) ? name + "_total" : name;
    }

    private static string TypeOf(Instrument instrument) => instrument.GetType().GetGenericTypeDefinition() switch
    {
        var t when t == typeof(Counter<>) || t == typeof(ObservableCounter<>) => "counter",
        var t when t == typeof(Histogram<>) => "histogram",
        _ => "gauge",
    };
}
