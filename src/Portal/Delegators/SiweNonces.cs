using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Hosting.Portal.Delegators;

/// <summary>
/// The nonces this portal handed out for Sign-In with Ethereum, each good for one sign-in within
/// <see cref="Lifetime"/>. Held in this process: a second portal instance behind a load balancer needs sticky
/// sessions (or a shared store) for the sign-in's two requests.
/// </summary>
public sealed class SiweNonces(TimeProvider clock)
{
    /// <summary>How long an issued nonce may wait for its signature.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    /// <summary>Outstanding nonces above which new ones are refused, so a flood of nonce requests cannot fill memory.</summary>
    public const int Capacity = 100_000;

    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private readonly ConcurrentDictionary<string, DateTimeOffset> _outstanding = new(StringComparer.Ordinal);

    /// <summary>A fresh 17-character nonce (about 100 bits), or null when too many are outstanding.</summary>
    public (string Nonce, DateTimeOffset ExpiresAt)? Issue()
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
                return null;
            }
        }
        var nonce = RandomNumberGenerator.GetString(Alphabet, 17);
        var expiresAt = now + Lifetime;
        _outstanding[nonce] = expiresAt;
        return (nonce, expiresAt);
    }

    /// <summary>Takes <paramref name="nonce"/> out of circulation: true only the first time, and only before it expired.</summary>
    public bool TryConsume(string nonce) =>
        _outstanding.TryRemove(nonce, out var expiresAt) && clock.GetUtcNow() < expiresAt;
}
