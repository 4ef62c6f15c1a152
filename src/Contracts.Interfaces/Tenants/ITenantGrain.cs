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
}

[GenerateSerializer, Immutable, Alias("hosting.tenant-profile")]
public sealed record TenantProfile(
    [property: Id(0)] string Id,
    [property: Id(1)] string DisplayName,
    [property: Id(2)] DateTimeOffset CreatedAt);
