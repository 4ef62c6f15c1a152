using Hosting.Contracts.Delegators;

namespace Hosting.Grains.Delegators;

/// <summary>
/// A SIWE nonce held in the memory of its one activation. Not persisted on purpose: a nonce lives ten minutes,
/// and if the silo holding it dies the new activation starts empty and refuses it, so losing it fails closed
/// (the delegator signs in again) and never lets a message be used twice. Placed where it is issued, so the
/// usual sign-in (both requests at one portal) stays on one silo.
/// </summary>
[Orleans.Placement.PreferLocalPlacement]
public sealed class SiweNonceGrain(TimeProvider clock) : Grain, ISiweNonceGrain
{
    private DateTimeOffset? _expiresAt;
    private bool _spent;

    public Task<bool> IssueAsync(DateTimeOffset expiresAt)
    {
        if (_expiresAt is not null || _spent)
        {
            return Task.FromResult(false);
        }
        _expiresAt = expiresAt;
        var lifetime = expiresAt - clock.GetUtcNow();
        if (lifetime > TimeSpan.Zero)
        {
            // Kept in memory until it expires even if idle collection would come sooner, then let go.
            DelayDeactivation(lifetime);
            this.RegisterGrainTimer(() =>
            {
                DeactivateOnIdle();
                return Task.CompletedTask;
            }, new GrainTimerCreationOptions { DueTime = lifetime, Period = Timeout.InfiniteTimeSpan });
        }
        return Task.FromResult(true);
    }

    public Task<bool> ConsumeAsync()
    {
        var valid = _expiresAt is { } expiresAt && !_spent && clock.GetUtcNow() < expiresAt;
        _spent = true;
        DeactivateOnIdle();
        return Task.FromResult(valid);
    }
}
