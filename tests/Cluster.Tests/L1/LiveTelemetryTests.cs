using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Numerics;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Publishers;
using Hosting.Contracts.Sequencers;
using Hosting.Contracts.Tenants;
using Hosting.Grains.L1;
using Hosting.Silo;
using Hosting.TestKit;
using Microsoft.Extensions.DependencyInjection;

namespace Hosting.Cluster.Tests.L1;

/// <summary>
/// What an SRE sees from a real silo on a real L1, not from a catalogue test that records by hand: a portal
/// request to register a sequencer is one trace through the grain, the signer and the L1 call, and the
/// silo's /metrics shows the RPC calls, tenants, sequencers by status, publishers and readiness it lived through.
/// </summary>
[Collection(AloneCollection.Name)]
public sealed class LiveTelemetryTests
{
    private const string Tenant = "telemetry";
    private static readonly BigInteger Stake = BigInteger.Parse("100000000000000000000", CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_registration_is_one_trace_from_portal_to_l1_and_the_silo_metrics_show_what_happened()
    {
        var file = Path.Combine(RepositoryRoot.Combine(".run"), "tests", $"deployment-{Guid.NewGuid():N}.json");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        var anvil = await ChainUnderTest.StartDeployedAnvilAsync(file);
        var spans = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = _ => true,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);
        var httpPort = FreePort.Next();
        var app = SiloApplication.Build([
            "--Hosting:Mode=Devnet",
            $"--Hosting:SiloPort={FreePort.Next()}",
            $"--Hosting:GatewayPort={FreePort.Next()}",
            $"--Hosting:L1:RpcUrls:0={anvil.RpcUrl}",
            $"--Hosting:L1:DeploymentFile={file}",
            "--Hosting:L1:PollMilliseconds=200",
            "--Hosting:FleetGaugeRefreshMilliseconds=300",
            $"--urls=http://127.0.0.1:{httpPort}",
        ], builder => builder.Services.AddSingleton(DevAccounts.Store));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
        http.DefaultRequestHeaders.Authorization = new("Bearer", Hosting.Portal.Access.PortalOptions.DevnetAdminToken);
        try
        {
            await app.StartAsync();
            var grains = app.Services.GetRequiredService<IGrainFactory>();
            var publisher = DevAccounts.Account(1);
            await grains.GetGrain<ITenantGrain>(Tenant).SaveAsync("Telemetry Ltd");
            await grains.GetGrain<IPublisherGrain>(publisher.ToString()).AttachAsync(Tenant);
            var sequencer = DevAccounts.NewSequencer();
            await grains.GetGrain<ISequencerGrain>(sequencer.ToString()).ImportAsync(Tenant);

            // The request carries a trace context, as one from a browser or an upstream proxy does (traceparent).
            ActivityTraceId traceId;
            HttpResponseMessage response;
            using (var caller = new Activity("operator clicks register").Start())
            {
                traceId = caller.TraceId;
                response = await http.PostAsJsonAsync($"/api/v1/tenants/{Tenant}/sequencers/{sequencer}/register",
                    new { stake = Stake.ToString(CultureInfo.InvariantCulture), withdrawer = publisher.ToString(), publisher = publisher.ToString() });
            }
            Assert.True(response.IsSuccessStatusCode, $"register answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");

            response.Dispose();
            await Task.Delay(500);
            var trace = spans.Where(s => s.TraceId == traceId).ToList();
            Assert.True(trace.Count > 0, "no span carries the request's trace id; server spans seen: " + string.Join(", ", spans.Where(s => s.Source.Name.Contains("AspNet")).Take(40).Select(s => $"{s.Source.Name}/{s.OperationName}/{s.TraceId}/{s.ParentSpanId}")));
            var names = trace.Select(s => s.OperationName).ToHashSet();
            Assert.Contains(trace, s => s.Kind == ActivityKind.Server && s.Source.Name == "Microsoft.AspNetCore");
            Assert.Contains(trace, s => s.Source.Name.StartsWith("Microsoft.Orleans", StringComparison.Ordinal));
            Assert.Contains("sign transaction", names);
            Assert.Contains("eth eth_sendRawTransaction", names);
            var send = trace.First(s => s.OperationName == "eth eth_sendRawTransaction");
            Assert.Equal("eth_sendRawTransaction", send.GetTagItem("rpc.method"));
            // The L1 call hangs under the grain call, which hangs under the HTTP request: a tree, not loose spans.
            Assert.True(Ancestors(send, trace).Any(s => s.Kind == ActivityKind.Server && s.Source.Name == "Microsoft.AspNetCore"),
                "the L1 send is not a descendant of the portal request: " + string.Join(", ", trace.Select(s => $"{s.Source.Name}/{s.OperationName}")));

            await anvil.MineAsync(3);
            var metrics = await Eventually.WaitAsync(async () =>
            {
                var text = await http.GetStringAsync("/metrics");
                return Sample(text, "hosting_sequencers", $"tenant=\"{Tenant}\"", "status=\"queued\"") == 1
                    && Sample(text, "hosting_readiness", "check=\"l1\"") == 1
                    && Sample(text, "hosting_l1_head_lag_blocks") == 0;
            }, TimeSpan.FromSeconds(60));
            var scrape = await http.GetStringAsync("/metrics");
            Assert.True(metrics, "the scrape never showed the sequencer queued, l1 ready and the follower caught up:\n" + string.Join('\n', scrape.Split('\n').Where(l => l.StartsWith("hosting_", StringComparison.Ordinal))));
            Assert.True(Sample(scrape, "hosting_l1_rpc_duration_seconds_count", "method=\"eth_sendRawTransaction\"") >= 2, "approve and register were sent");
            Assert.True(Sample(scrape, "hosting_l1_rpc_duration_seconds_count", "method=\"eth_getLogs\"") >= 1, "the follower reads logs");
            Assert.Equal(1, Sample(scrape, "hosting_tenants"));
            Assert.True(Sample(scrape, "hosting_publisher_balance_eth", $"tenant=\"{Tenant}\"") > 1, "the publisher holds devnet ether");
            Assert.Equal(0, Sample(scrape, "hosting_publisher_underfunded", $"tenant=\"{Tenant}\""));
            Assert.True(Sample(scrape, "hosting_l1_head_age_seconds") < 30, "a head came within the last seconds");
            Assert.NotNull(Sample(scrape, "hosting_slot_outcomes_total", $"tenant=\"{Tenant}\"", "outcome=\"missed\""));
            Assert.Equal(1, Sample(scrape, "hosting_readiness", "check=\"cluster\""));
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            await anvil.DisposeAsync();
            File.Delete(file);
        }
    }

    private static IEnumerable<Activity> Ancestors(Activity span, IReadOnlyList<Activity> trace)
    {
        var byId = trace.GroupBy(s => s.SpanId).ToDictionary(g => g.Key, g => g.First());
        for (var parent = span.ParentSpanId; byId.TryGetValue(parent, out var next); parent = next.ParentSpanId)
        {
            yield return next;
        }
    }

    /// <summary>The value of the first sample of <paramref name="name"/> whose labels contain every one given, or null.</summary>
    private static double? Sample(string scrape, string name, params string[] labels)
    {
        foreach (var line in scrape.Split('\n'))
        {
            if (!line.StartsWith(name, StringComparison.Ordinal) || line.Length <= name.Length || (line[name.Length] != '{' && line[name.Length] != ' '))
            {
                continue;
            }
            if (labels.All(l => line.Contains(l, StringComparison.Ordinal)))
            {
                var value = line[(line.LastIndexOf('}') + 1)..].Trim().Split(' ')[0];
                return double.Parse(value, CultureInfo.InvariantCulture);
            }
        }
        return null;
    }
}
