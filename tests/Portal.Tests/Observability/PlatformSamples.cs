using System.Numerics;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Telemetry;

namespace Hosting.Portal.Tests.Observability;

/// <summary>
/// Records through every PlatformMetrics method with every value of every label enum, as the grains, the
/// signer and the L1 follower will once they exist, so a scrape shows the whole catalogue.
/// </summary>
public static class PlatformSamples
{
    public static readonly string[] Tenants = ["acme", "globex"];
    public static readonly Uri[] Endpoints = [new("http://127.0.0.1:8545/"), new("https://eth.example.org:443/v3/secret-api-key")];
    public static readonly string[] EndpointLabels = ["127.0.0.1:8545", "eth.example.org:443"];
    public const string Method = "eth_getBlockByNumber";

    public static void RecordAll()
    {
        foreach (var tenant in Tenants)
        {
            PlatformMetrics.TenantHosted(tenant);
            PlatformMetrics.ForecastWin(tenant);
            PlatformMetrics.ProposalSent(tenant);
            foreach (var outcome in Enum.GetValues<ProposalOutcome>())
            {
                PlatformMetrics.ProposalSettled(tenant, outcome);
            }
            PlatformMetrics.BlockFinalised(tenant);
            PlatformMetrics.RewardsBooked(tenant, BigInteger.Parse("1500000000000000000", System.Globalization.CultureInfo.InvariantCulture));
            PlatformMetrics.QuoteReceived(tenant);
            PlatformMetrics.QuoteChosen(tenant);
            foreach (var outcome in Enum.GetValues<CommitmentOutcome>())
            {
                PlatformMetrics.CommitmentSettled(tenant, outcome);
            }
            PlatformMetrics.BondSlashed(tenant);
            foreach (var reason in Enum.GetValues<BackupReason>())
            {
                PlatformMetrics.BackupBlockFinalised(tenant, reason);
            }
            foreach (var decision in Enum.GetValues<BackupDecision>())
            {
                PlatformMetrics.BackupDecided(tenant, decision);
            }
            foreach (var duty in Enum.GetValues<Duty>())
            {
                foreach (var backend in Enum.GetValues<SigningBackend>())
                {
                    PlatformMetrics.SigningRequested(tenant, duty, backend);
                    PlatformMetrics.SigningGranted(tenant, duty, backend, TimeSpan.FromMilliseconds(7));
                }
                foreach (var reason in Enum.GetValues<RefusalReason>())
                {
                    PlatformMetrics.SigningRefused(tenant, duty, reason);
                }
            }
            PlatformMetrics.PublisherTransactionReplaced(tenant);
            foreach (var failure in Enum.GetValues<PublisherFailure>())
            {
                PlatformMetrics.PublisherFailed(tenant, failure);
            }
        }
        foreach (var backend in Enum.GetValues<SigningBackend>())
        {
            PlatformMetrics.VaultThrottled(backend);
            foreach (var error in Enum.GetValues<VaultError>())
            {
                PlatformMetrics.VaultFailed(backend, error);
            }
        }
        PlatformMetrics.L1Reorg();
        foreach (var endpoint in Endpoints)
        {
            PlatformMetrics.L1RpcSucceeded(endpoint, Method, TimeSpan.FromMilliseconds(12));
            foreach (var error in Enum.GetValues<L1RpcError>())
            {
                PlatformMetrics.L1RpcFailed(endpoint, Method, TimeSpan.FromSeconds(1), error);
            }
        }
    }

    /// <summary>Registers a source for every gauge; dispose to unregister.</summary>
    public static IDisposable ObserveAll()
    {
        IDisposable[] registrations =
        [
            PlatformMetrics.ObserveTenants(() => Tenants.Length),
            PlatformMetrics.ObserveSequencers(() =>
                from tenant in Tenants
                from status in Enum.GetValues<SequencerStatus>()
                select new SequencerCount(tenant, status, 3)),
            PlatformMetrics.ObserveBondsAtRisk(() => Tenants.Select(t => new TenantCount(t, 0))),
            PlatformMetrics.ObservePublishers(() => Tenants.Select(t => new PublisherReading(t, BigInteger.Pow(10, 18) * 2, 0, 1))),
            PlatformMetrics.ObserveL1Head(() => new L1HeadReading(1, TimeSpan.FromSeconds(0.8))),
            PlatformMetrics.ObserveReadiness(() => Enum.GetValues<ReadinessCheck>().Select(c => new ReadinessReading(c, true))),
        ];
        return new Registrations(registrations);
    }

    private sealed class Registrations(IDisposable[] all) : IDisposable
    {
        public void Dispose()
        {
            foreach (var registration in all)
            {
                registration.Dispose();
            }
        }
    }
}
