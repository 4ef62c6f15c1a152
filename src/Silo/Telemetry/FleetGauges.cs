using System.Numerics;
using Hosting.Contracts.Domain;
using Hosting.Contracts.L1;
using Hosting.Contracts.Publishers;
using Hosting.Contracts.Telemetry;
using Hosting.Contracts.Tenants;
using Hosting.Silo.Configuration;

namespace Hosting.Silo.Telemetry;

/// <summary>
/// The cluster-wide gauges (tenants, sequencers by status, publishers' balances, bonds at risk) of
/// docs/metrics.md. Every silo reads the fleet directory and each tenant's index on a period and keeps the
/// figures in memory, so a scrape answers without a grain call; Prometheus aggregates the silos with max.
/// It also creates each tenant's alerting counters at zero (TenantHosted) as tenants appear.
/// </summary>
public sealed class FleetGauges(IGrainFactory grains, HostingOptions options, ILogger<FleetGauges> logger) : BackgroundService
{
    // How often the figures are refreshed; a scrape between refreshes sees the last ones.
    private TimeSpan Period => TimeSpan.FromMilliseconds(options.FleetGaugeRefreshMilliseconds);

    private volatile Snapshot _snapshot = Snapshot.Empty;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var tenants = PlatformMetrics.ObserveTenants(() => _snapshot.Tenants.Count);
        using var sequencers = PlatformMetrics.ObserveSequencers(() => _snapshot.Sequencers);
        using var publishers = PlatformMetrics.ObservePublishers(() => _snapshot.Publishers);
        using var bonds = PlatformMetrics.ObserveBondsAtRisk(() => _snapshot.BondsAtRisk);
        PlatformMetrics.SiloStarted();
        // Orleans may still be starting; the first refresh fails quietly and the next one catches up.
        await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ConfigureAwait(false);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                using var refresh = HostingTelemetry.ActivitySource.StartActivity("fleet gauges");
                _snapshot = await ReadAsync();
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogDebug(exception, "Refreshing the fleet gauges failed; the last figures stay.");
            }
            try
            {
                await Task.Delay(Period, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<Snapshot> ReadAsync()
    {
        var directory = grains.GetGrain<IFleetDirectoryGrain>(IFleetDirectoryGrain.Key);
        var tenants = await directory.ListTenantsAsync();
        var sequencers = new List<SequencerCount>();
        var publishers = new List<PublisherReading>();
        foreach (var tenant in tenants)
        {
            PlatformMetrics.TenantHosted(tenant);
            var fleet = await grains.GetGrain<ITenantGrain>(tenant).GetFleetAsync();
            foreach (var status in Enum.GetValues<SequencerStatus>())
            {
                sequencers.Add(new SequencerCount(tenant, status, fleet.SequencersByStatus.GetValueOrDefault(status)));
            }
            BigInteger balance = 0;
            long underfunded = 0, pending = 0;
            foreach (var address in fleet.Publishers)
            {
                if (await grains.GetGrain<IPublisherGrain>(address.ToString()).GetAsync() is { } view)
                {
                    balance += view.Balance;
                    underfunded += view.Underfunded ? 1 : 0;
                    pending += view.Pending.Count;
                }
            }
            publishers.Add(new PublisherReading(tenant, balance, underfunded, pending));
        }
        var head = (await grains.GetGrain<IL1FollowerGrain>(IL1FollowerGrain.Key).GetAsync()).LastBlock;
        var open = await directory.ListOpenBondsAsync();
        var atRisk = tenants.Select(t => new TenantCount(t, head is { } block ? open.Count(b => b.Tenant == t && AtRisk(b, block)) : 0)).ToList();
        return new Snapshot(tenants, sequencers, publishers, atRisk);
    }

    /// <summary>No proof yet and less than a quarter of the Proving phase left (or the deadline passed).</summary>
    internal static bool AtRisk(OpenBond bond, ulong block)
    {
        var length = bond.DeadlineBlock > bond.ProvingStartBlock ? bond.DeadlineBlock - bond.ProvingStartBlock : 0;
        return block + length / 4 >= bond.DeadlineBlock;
    }

    private sealed record Snapshot(
        IReadOnlyList<string> Tenants,
        IReadOnlyList<SequencerCount> Sequencers,
        IReadOnlyList<PublisherReading> Publishers,
        IReadOnlyList<TenantCount> BondsAtRisk)
    {
        public static Snapshot Empty { get; } = new([], [], [], []);
    }
}
