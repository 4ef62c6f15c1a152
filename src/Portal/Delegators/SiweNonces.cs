using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Hosting.Portal.Delegators;

/// <summary>Where the nonces handed out for Sign-In with Ethereum are kept, each good for one sign-in within <see cref="SiweNonces.Lifetime"/>.</summary>
public interface ISiweNonces
{
    /// <summary>A fresh nonce and when it expires, or null when no more can be issued now.</summary>
    Task<(string Nonce, DateTimeOffset ExpiresAt)?> IssueAsync();

    /// <summary>Takes <paramref name="nonce"/> out of circulation: true only the first time, and only before it expired.</summary>
    Task<bool> TryConsumeAsync(string nonce);
}

/// <summary>
/// The portal's nonces: one grain per nonce in the cluster, so a nonce issued by one portal instance is spent
/// at whichever instance receives the signed message (no sticky sessions), exactly once.
/// </summary>
public sealed class ClusterSiweNonces(IGrainFactory grains, TimeProvider clock) : ISiweNonces
{
    public async Task<(string Nonce, DateTimeOffset ExpiresAt)?> IssueAsync()
    {
        var expiresAt = clock.GetUtcNow() + SiweNonces.Lifetime;
        // 100 bits of randomness: a collision is practically impossible, and refused by the grain if it happens.
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var nonce = SiweNonces.Draw();
            if (await grains.GetGrain<Hosting.Contracts.Delegators.ISiweNonceGrain>(nonce).IssueAsync(expiresAt))
            {
                return (nonce, expiresAt);
            }
        }
        return null;
    }

    public Task<bool> TryConsumeAsync(string nonce) =>
        grains.GetGrain<Hosting.Contracts.Delegators.ISiweNonceGrain>(nonce).ConsumeAsync();
}

/// <summary>
/// Nonces held in this process only: right for a single process (the verifier's unit tests); several portal
/// instances need <see cref="ClusterSiweNonces"/>, which the portal uses.
/// </summary>
public sealed class SiweNonces(TimeProvider clock) : ISiweNonces
{
    /// <summary>How long an issued nonce may wait for its signature.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    /// <summary>Outstanding nonces above which new ones are refused, so a flood of nonce requests cannot fill memory.</summary>
    public const int Capacity = 100_000;

    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private readonly ConcurrentDictionary<string, DateTimeOffset> _outstanding = new(StringComparer.Ordinal);

    /// <summary>A fresh 17-character nonce of letters and digits (about 100 bits).</summary>
    public static string Draw() => RandomNumberGenerator.GetString(Alphabet, 17);

    public Task<(string Nonce, DateTimeOffset ExpiresAt)?> IssueAsync()
    {
        var now = clock.GetUtcNow();
        if (_outstanding.Count >= Capacity)
        {
            foreach (var (stale, expires) in _outstanding)
            {
                if (expires <= now)
                {
                    _outstanding.TryRemove(stale, out _);
                }
            }
            if (_outstanding.Count >= Capacity)
            {
                return Task.FromResult<(string, DateTimeOffset)?>(null);
            }
        }
        var nonce = Draw();
        var expiresAt = now + Lifetime;
        _outstanding[nonce] = expiresAt;
        return Task.FromResult<(string, DateTimeOffset)?>((nonce, expiresAt));
    }

    public Task<bool> TryConsumeAsync(string nonce) =>
        Task.FromResult(_outstanding.TryRemove(nonce, out var expiresAt) && clock.GetUtcNow() < expiresAt);
}
