namespace Hosting.Contracts.Delegators;

/// <summary>
/// One Sign-In with Ethereum nonce, keyed by the nonce itself, so that every portal of the cluster (co-hosted or an
/// Orleans client) sees the same one: issued by one portal, it can be spent once at any other.
/// </summary>
[Alias("hosting.siwe-nonce")]
public interface ISiweNonceGrain : IGrainWithStringKey
{
    /// <summary>Puts this nonce in circulation until <paramref name="expiresAt"/>; false if it already was (a collision: draw another).</summary>
    [Alias("issue")]
    Task<bool> IssueAsync(DateTimeOffset expiresAt);

    /// <summary>Takes the nonce out of circulation: true only the first time, and only before it expired.</summary>
    [Alias("consume")]
    Task<bool> ConsumeAsync();
}
