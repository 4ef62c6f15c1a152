using Orleans.Concurrency;

namespace Hosting.Contracts.Tenants;

/// <summary>
/// The cluster's list of tenants and of prover bonds still open on their slots (key <see cref="Key"/>): what
/// every silo's fleet gauges read (hosting_tenants, hosting_sequencers, hosting_publisher_*,
/// hosting_proofboost_bonds_at_risk) without scanning grain storage.
/// </summary>
[Alias("hosting.fleet-directory")]
public interface IFleetDirectoryGrain : IGrainWithStringKey
{
    public const string Key = "fleet";

    /// <summary>Records a tenant (idempotent: the tenant grain calls it on creation and on activation).</summary>
    [Alias("add-tenant")]
    Task AddTenantAsync(string tenant);

    /// <summary>Every tenant ever created, in creation order.</summary>
    [Alias("tenants"), ReadOnly]
    Task<IReadOnlyList<string>> ListTenantsAsync();

    /// <summary>A bond was escrowed on a tenant's slot; it is open until <see cref="CloseBondAsync"/>.</summary>
    [Alias("open-bond")]
    Task OpenBondAsync(OpenBond bond);

    /// <summary>The bond was released (proof in) or slashed.</summary>
    [Alias("close-bond")]
    Task CloseBondAsync(string bondKey);

    [Alias("open-bonds"), ReadOnly]
    Task<IReadOnlyList<OpenBond>> ListOpenBondsAsync();
}

/// <summary>An escrowed prover bond: its grain key (slot/prover), tenant, and the blocks its proof is due between.</summary>
[GenerateSerializer, Immutable, Alias("hosting.open-bond")]
public sealed record OpenBond(
    [property: Id(0)] string Key,
    [property: Id(1)] string Tenant,
    [property: Id(2)] ulong ProvingStartBlock,
    [property: Id(3)] ulong DeadlineBlock);

/// <summary>A tenant's sequencers counted by status and its publishers, for the fleet gauges.</summary>
[GenerateSerializer, Immutable, Alias("hosting.tenant-fleet")]
public sealed record TenantFleet(
    [property: Id(0)] IReadOnlyDictionary<Hosting.Contracts.Domain.SequencerStatus, int> SequencersByStatus,
    [property: Id(1)] IReadOnlyList<Hosting.Contracts.Domain.Address> Publishers);
