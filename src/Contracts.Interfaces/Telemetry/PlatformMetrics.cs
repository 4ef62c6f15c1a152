using System.Diagnostics.Metrics;
using System.Numerics;
using Hosting.Contracts.Domain;

namespace Hosting.Contracts.Telemetry;

/// <summary>
/// The one catalogue of the platform's instruments, on the meter <see cref="HostingTelemetry.MeterName"/>.
/// Every project records through these methods; docs/metrics.md lists each instrument with its exported
/// Prometheus name, labels and who records it, and a test keeps the two equal.
/// Labels are the tenant id and bounded enums only: per-sequencer detail belongs to the API, because one
/// label per sequencer would multiply every series by thousands.
/// Recording never throws for a bad label value: metrics must not cost a duty.
/// </summary>
public static class PlatformMetrics
{
    /// <summary>Staking token and ETH amounts are exported in whole units of these 18-decimal tokens.</summary>
    private const double WeiPerUnit = 1e18;

    private static readonly Meter Meter = HostingTelemetry.Meter;

    // Slots: forecast → proposal → outcome → finalisation.
    private static readonly Counter<long> ForecastWins = Meter.CreateCounter<long>(
        "hosting.slot.forecast_wins", "{slot}", "Slots in which a hosted sequencer of the tenant is forecast to rank first, known LAG slots ahead.");
    private static readonly Counter<long> ProposalsSent = Meter.CreateCounter<long>(
        "hosting.slot.proposals_sent", "{proposal}", "Signed proposals handed to a publisher for L1.");
    private static readonly Counter<long> ProposalOutcomes = Meter.CreateCounter<long>(
        "hosting.slot.outcomes", "{slot}", "How each forecast win ended: canonical, outbid, or missed (we should have proposed and did not).");
    private static readonly Counter<long> BlocksFinalised = Meter.CreateCounter<long>(
        "hosting.slot.finalised", "{block}", "Blocks proposed by the tenant's sequencers that were proven and finalised on L1.");
    private static readonly Counter<double> Rewards = Meter.CreateCounter<double>(
        "hosting.rewards", "tokens", "Block rewards booked to the tenant's side, in whole staking tokens.");

    // Proof-boost: quotes → chosen prover → commitment → proof or slash → backup.
    private static readonly Counter<long> Quotes = Meter.CreateCounter<long>(
        "hosting.proofboost.quotes", "{quote}", "Valid prover quotes received for the tenant's canonical proposals.");
    private static readonly Counter<long> QuotesChosen = Meter.CreateCounter<long>(
        "hosting.proofboost.quotes_chosen", "{quote}", "Quotes chosen by the tenant's policy, i.e. commitment authorisations handed to a prover.");
    private static readonly Counter<long> Commitments = Meter.CreateCounter<long>(
        "hosting.proofboost.commitments", "{commitment}", "Whether the chosen prover committed on L1 before the Commitment phase ended.");
    private static readonly Counter<long> BondsSlashed = Meter.CreateCounter<long>(
        "hosting.proofboost.bonds_slashed", "{bond}", "Prover bonds slashed on the tenant's slots because no proof came in time.");
    private static readonly Counter<long> BackupBlocks = Meter.CreateCounter<long>(
        "hosting.proofboost.backup_blocks", "{block}", "Backup blocks the platform finalised for a slot the tenant's sequencer was due to produce, by why Backup opened.");
    private static readonly Counter<long> BackupDecisions = Meter.CreateCounter<long>(
        "hosting.proofboost.backup_decisions", "{slot}", "The tenant's slots on which backup opened and the platform's agents asked whether to submit, by the tenant's answer.");

    // Signing: every request through the safety gate.
    private static readonly Counter<long> SigningRequests = Meter.CreateCounter<long>(
        "hosting.signing.requests", "{request}", "Signing requests that reached the signing-safety gate.");
    private static readonly Counter<long> SigningGrants = Meter.CreateCounter<long>(
        "hosting.signing.granted", "{signature}", "Signatures released by the gate (including identical repeats answered from the safety record).");
    private static readonly Counter<long> SigningRefusals = Meter.CreateCounter<long>(
        "hosting.signing.refused", "{request}", "Requests the gate refused, by reason; class=safety ones should never happen in a correct system.");
    private static readonly Histogram<double> SigningDuration = Meter.CreateHistogram(
        "hosting.signing.duration", "s", "Time from request to released signature, safety record and vault call included.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });

    // Vaults and HSMs.
    private static readonly Counter<long> VaultErrors = Meter.CreateCounter<long>(
        "hosting.vault.errors", "{error}", "Failed key vault or HSM calls.");
    private static readonly Counter<long> VaultThrottles = Meter.CreateCounter<long>(
        "hosting.vault.throttled", "{response}", "Key vault or HSM calls answered with throttling (HTTP 429, no free session).");

    // Publishers.
    private static readonly Counter<long> PublisherReplacements = Meter.CreateCounter<long>(
        "hosting.publisher.replaced", "{transaction}", "Pending transactions replaced with a higher fee (same nonce).");
    private static readonly Counter<long> PublisherFailures = Meter.CreateCounter<long>(
        "hosting.publisher.failures", "{transaction}", "Publisher transactions that failed, by reason.");

    // L1 follower and client.
    private static readonly Counter<long> L1Reorgs = Meter.CreateCounter<long>(
        "hosting.l1.reorgs", "{reorg}", "Chain reorganisations the L1 follower rolled back.");
    private static readonly Histogram<double> L1RpcDuration = Meter.CreateHistogram(
        "hosting.l1.rpc.duration", "s", "JSON-RPC call latency by endpoint and method, failed calls included.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });
    private static readonly Counter<long> L1RpcErrors = Meter.CreateCounter<long>(
        "hosting.l1.rpc.errors", "{call}", "Failed JSON-RPC calls by endpoint, method and kind of error.");

    // Observable gauges: current values that silo services report at each scrape.
    private static readonly GaugeSources<SequencerCount> SequencerSources = new();
    private static readonly GaugeSources<long> TenantSources = new();
    private static readonly GaugeSources<TenantCount> BondsAtRiskSources = new();
    private static readonly GaugeSources<PublisherReading> PublisherSources = new();
    private static readonly GaugeSources<L1HeadReading> L1HeadSources = new();
    private static readonly GaugeSources<ReadinessReading> ReadinessSources = new();

    static PlatformMetrics()
    {
        Meter.CreateObservableGauge("hosting.sequencers", () => SequencerSources.Measure(r => new Measurement<long>(r.Count, Tenant(r.Tenant), Label("status", r.Status))),
            "{sequencer}", "Hosted sequencers by tenant and L1 status.");
        Meter.CreateObservableGauge("hosting.tenants", () => TenantSources.Measure(count => new Measurement<long>(count)),
            "{tenant}", "Tenants hosted by the platform.");
        Meter.CreateObservableGauge("hosting.proofboost.bonds_at_risk", () => BondsAtRiskSources.Measure(r => new Measurement<long>(r.Count, Tenant(r.Tenant))),
            "{bond}", "Committed bonds on the tenant's slots with no proof yet and less than a quarter of the Proving phase left.");
        Meter.CreateObservableGauge("hosting.publisher.balance", () => PublisherSources.Measure(r => new Measurement<double>((double)r.BalanceWei / WeiPerUnit, Tenant(r.Tenant))),
            "eth", "Summed ETH balance of the tenant's publisher accounts.");
        Meter.CreateObservableGauge("hosting.publisher.underfunded", () => PublisherSources.Measure(r => new Measurement<long>(r.Underfunded, Tenant(r.Tenant))),
            "{publisher}", "The tenant's publishers whose balance is below what their next duties need.");
        Meter.CreateObservableGauge("hosting.publisher.pending", () => PublisherSources.Measure(r => new Measurement<long>(r.Pending, Tenant(r.Tenant))),
            "{transaction}", "Transactions the tenant's publishers sent that are not mined yet.");
        Meter.CreateObservableGauge("hosting.l1.head_lag", () => L1HeadSources.Measure(r => new Measurement<long>(r.LagBlocks)),
            "blocks", "Blocks this silo's L1 follower is behind the best head any endpoint reports.");
        Meter.CreateObservableGauge("hosting.l1.head_age", () => L1HeadSources.Measure(r => new Measurement<double>(r.SinceNewHead.TotalSeconds)),
            "s", "Time since the L1 follower last saw a new head; grows when every endpoint is stuck.");
        Meter.CreateObservableGauge("hosting.readiness", () => ReadinessSources.Measure(r => new Measurement<long>(r.Ready ? 1 : 0, Label("check", r.Check))),
            null, "1 while a readiness check of this silo passes, 0 while it fails; /readyz names the failing one.");
    }

    // ---- Slots ----

    public static void ForecastWin(string tenant) => ForecastWins.Add(1, Tenant(tenant));

    public static void ProposalSent(string tenant) => ProposalsSent.Add(1, Tenant(tenant));

    public static void ProposalSettled(string tenant, ProposalOutcome outcome) => ProposalOutcomes.Add(1, Tenant(tenant), Label("outcome", outcome));

    public static void BlockFinalised(string tenant) => BlocksFinalised.Add(1, Tenant(tenant));

    /// <summary>Books a reward given in the staking token's base units (18 decimals), as the contract pays it.</summary>
    public static void RewardsBooked(string tenant, BigInteger amount) => Rewards.Add((double)amount / WeiPerUnit, Tenant(tenant));

    // ---- Proof-boost ----

    public static void QuoteReceived(string tenant) => Quotes.Add(1, Tenant(tenant));

    public static void QuoteChosen(string tenant) => QuotesChosen.Add(1, Tenant(tenant));

    public static void CommitmentSettled(string tenant, CommitmentOutcome outcome) => Commitments.Add(1, Tenant(tenant), Label("outcome", outcome));

    public static void BondSlashed(string tenant) => BondsSlashed.Add(1, Tenant(tenant));

    public static void BackupBlockFinalised(string tenant, BackupReason reason) => BackupBlocks.Add(1, Tenant(tenant), Label("reason", reason));

    public static void BackupDecided(string tenant, BackupDecision decision) => BackupDecisions.Add(1, Tenant(tenant), Label("decision", decision));

    // ---- Signing ----

    public static void SigningRequested(string tenant, Duty duty, SigningBackend backend) =>
        SigningRequests.Add(1, Tenant(tenant), Label("duty", duty), Label("backend", backend));

    public static void SigningGranted(string tenant, Duty duty, SigningBackend backend, TimeSpan elapsed)
    {
        SigningGrants.Add(1, Tenant(tenant), Label("duty", duty), Label("backend", backend));
        SigningDuration.Record(elapsed.TotalSeconds, Label("duty", duty), Label("backend", backend));
    }

    public static void SigningRefused(string tenant, Duty duty, RefusalReason reason) =>
        SigningRefusals.Add(1, new System.Diagnostics.TagList { Tenant(tenant), Label("duty", duty), Label("reason", reason), Label("class", ClassOf(reason)) });

    /// <summary>Safety refusals should never happen in a correct system; the alert SigningRefusedForSafety pages on them.</summary>
    public static RefusalClass ClassOf(RefusalReason reason) => reason switch
    {
        RefusalReason.ConflictingPayload or RefusalReason.SafetyRecordUnavailable or RefusalReason.TenantMismatch => RefusalClass.Safety,
        _ => RefusalClass.Policy,
    };

    // ---- Vaults ----

    public static void VaultFailed(SigningBackend backend, VaultError error) => VaultErrors.Add(1, Label("backend", backend), Label("error", error));

    public static void VaultThrottled(SigningBackend backend) => VaultThrottles.Add(1, Label("backend", backend));

    // ---- Publishers ----

    public static void PublisherTransactionReplaced(string tenant) => PublisherReplacements.Add(1, Tenant(tenant));

    public static void PublisherFailed(string tenant, PublisherFailure failure) => PublisherFailures.Add(1, Tenant(tenant), Label("reason", failure));

    // ---- L1 ----

    public static void L1Reorg() => L1Reorgs.Add(1);

    /// <summary>
    /// Records a call to the configured RPC URL <paramref name="endpoint"/>, of which only host:port is exported
    /// (providers put API keys in the path), and the JSON-RPC <paramref name="method"/> (or "batch"; methods
    /// outside the known set export as "other").
    /// </summary>
    public static void L1RpcSucceeded(Uri endpoint, string method, TimeSpan elapsed) =>
        L1RpcDuration.Record(elapsed.TotalSeconds, Endpoint(endpoint), Method(method));

    public static void L1RpcFailed(Uri endpoint, string method, TimeSpan elapsed, L1RpcError error)
    {
        var (endpointLabel, methodLabel) = (Endpoint(endpoint), Method(method));
        L1RpcDuration.Record(elapsed.TotalSeconds, endpointLabel, methodLabel);
        L1RpcErrors.Add(1, endpointLabel, methodLabel, Label("error", error));
    }

    // ---- Gauges: register a source once per silo service, dispose the registration when it stops ----

    public static IDisposable ObserveSequencers(Func<IEnumerable<SequencerCount>> source) => SequencerSources.Add(source);

    public static IDisposable ObserveTenants(Func<long> source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return TenantSources.Add(() => [source()]);
    }

    public static IDisposable ObserveBondsAtRisk(Func<IEnumerable<TenantCount>> source) => BondsAtRiskSources.Add(source);

    public static IDisposable ObservePublishers(Func<IEnumerable<PublisherReading>> source) => PublisherSources.Add(source);

    public static IDisposable ObserveL1Head(Func<L1HeadReading> source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return L1HeadSources.Add(() => [source()]);
    }

    public static IDisposable ObserveReadiness(Func<IEnumerable<ReadinessReading>> source) => ReadinessSources.Add(source);

    // ---- Series that must exist before their first event ----

    /// <summary>
    /// Creates the tenant's alerting counters at zero on this silo. Prometheus' increase() cannot see a
    /// series' first sample, so a counter born at 1 (the first missed proposal, the first refused double
    /// sign) would never fire its alert. Call it on every silo for every hosted tenant, once the meter
    /// provider is running (at start-up and when a tenant is added); calling it again costs nothing.
    /// </summary>
    public static void TenantHosted(string tenant)
    {
        var t = Tenant(tenant);
        ForecastWins.Add(0, t);
        ProposalsSent.Add(0, t);
        foreach (var outcome in Enum.GetValues<ProposalOutcome>())
        {
            ProposalOutcomes.Add(0, t, Label("outcome", outcome));
        }
        BlocksFinalised.Add(0, t);
        Rewards.Add(0, t);
        Quotes.Add(0, t);
        QuotesChosen.Add(0, t);
        foreach (var outcome in Enum.GetValues<CommitmentOutcome>())
        {
            Commitments.Add(0, t, Label("outcome", outcome));
        }
        BondsSlashed.Add(0, t);
        foreach (var reason in Enum.GetValues<BackupReason>())
        {
            BackupBlocks.Add(0, t, Label("reason", reason));
        }
        foreach (var decision in Enum.GetValues<BackupDecision>())
        {
            BackupDecisions.Add(0, t, Label("decision", decision));
        }
        foreach (var duty in Enum.GetValues<Duty>())
        {
            foreach (var reason in Enum.GetValues<RefusalReason>().Where(r => ClassOf(r) == RefusalClass.Safety))
            {
                SigningRefusals.Add(0, new System.Diagnostics.TagList { t, Label("duty", duty), Label("reason", reason), Label("class", RefusalClass.Safety) });
            }
        }
        // The publisher-underfunded and publisher-failing alerts read these with increase() too.
        PublisherReplacements.Add(0, t);
        foreach (var failure in Enum.GetValues<PublisherFailure>())
        {
            PublisherFailures.Add(0, t, Label("reason", failure));
        }
    }

    /// <summary>
    /// Creates the key backends' failure counters and the reorg counter at zero on this silo (the "vault failing" alert reads them with
    /// increase(), which cannot see a series' first sample). Call once the meter provider runs; again costs nothing.
    /// </summary>
    public static void SiloStarted()
    {
        L1Reorgs.Add(0);
        foreach (var backend in Enum.GetValues<SigningBackend>())
        {
            VaultThrottles.Add(0, Label("backend", backend));
            foreach (var error in Enum.GetValues<VaultError>())
            {
                VaultErrors.Add(0, Label("backend", backend), Label("error", error));
            }
        }
    }

    private static KeyValuePair<string, object?> Tenant(string tenant) =>
        new("tenant", string.IsNullOrWhiteSpace(tenant) ? "unknown" : tenant);

    private static KeyValuePair<string, object?> Label<TEnum>(string name, TEnum value)
        where TEnum : struct, Enum => new(name, LabelValues<TEnum>.Of(value));

    private static KeyValuePair<string, object?> Endpoint(Uri endpoint) => new("endpoint", L1EndpointLabel.Of(endpoint));

    private static KeyValuePair<string, object?> Method(string method) => new("method", L1MethodLabel.Of(method));
}
