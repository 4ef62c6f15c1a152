using Hosting.Contracts.Domain;

namespace Hosting.Contracts.Tenants;

/// <summary>A customer of the staking provider: the unit of isolation. Keyed by the tenant id.</summary>
[Alias("hosting.tenant")]
public interface ITenantGrain : IGrainWithStringKey
{
    /// <summary>Creates the tenant, or renames it when it exists; returns what is stored.</summary>
    [Alias("save")]
    Task<TenantProfile> SaveAsync(string displayName);

    /// <summary>The tenant as stored, or null when no tenant has this id.</summary>
    [Alias("get")]
    Task<TenantProfile?> GetAsync();

    /// <summary>Records that the tenant hosts <paramref name="sequencer"/> (called by the sequencer on import).</summary>
    [Alias("add-sequencer")]
    Task AddSequencerAsync(Address sequencer);

    /// <summary>Records that the tenant sends through <paramref name="publisher"/> (called by the publisher on attach).</summary>
    [Alias("add-publisher")]
    Task AddPublisherAsync(Address publisher);

    /// <summary>The tenant's sequencers and publishers.</summary>
    [Alias("holdings")]
    Task<TenantHoldings> GetHoldingsAsync();
}

[GenerateSerializer, Immutable, Alias("hosting.tenant-profile")]
public sealed record TenantProfile(
    [property: Id(0)] string Id,
    [property: Id(1)] string DisplayName,
    [property: Id(2)] DateTimeOffset CreatedAt);

[GenerateSerializer, Immutable, Alias("hosting.tenant-holdings")]
public sealed record TenantHoldings(
    [property: Id(0)] IReadOnlyList<Address> Sequencers,
    [property: Id(1)] IReadOnlyList<Address> Publishers);
