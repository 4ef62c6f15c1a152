namespace Hosting.Contracts.Tenants;

/// <summary>
/// The API tokens of one tenant (keyed by tenant id). A token is shown once, when issued; only its
/// SHA-256 is stored, so a database dump cannot be replayed against the API.
/// </summary>
[Alias("hosting.tenant-access")]
public interface ITenantAccessGrain : IGrainWithStringKey
{
    /// <summary>Issues a new token; <paramref name="secretHash"/> is the SHA-256 of the secret the caller hands out.</summary>
    [Alias("issue")]
    Task<TenantToken> IssueAsync(string label, byte[] secretHash);

    /// <summary>The live token whose secret hashes to <paramref name="secretHash"/>, or null.</summary>
    [Alias("authenticate")]
    Task<TenantToken?> AuthenticateAsync(byte[] secretHash);

    /// <summary>Every token of the tenant, live and revoked, without secrets.</summary>
    [Alias("list")]
    Task<IReadOnlyList<TenantToken>> ListAsync();

    /// <summary>Revokes a token; false when the tenant has no token with that id.</summary>
    [Alias("revoke")]
    Task<bool> RevokeAsync(string tokenId);
}

[GenerateSerializer, Immutable, Alias("hosting.tenant-token")]
public sealed record TenantToken(
    [property: Id(0)] string Id,
    [property: Id(1)] string Label,
    [property: Id(2)] DateTimeOffset IssuedAt,
    [property: Id(3)] DateTimeOffset? RevokedAt);
