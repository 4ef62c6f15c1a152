using Hosting.Contracts.L1;
using Hosting.Grains.Election;
using Hosting.Grains.L1;
using Hosting.L1.Rpc;

namespace Hosting.Silo.L1;

/// <summary>
/// Every silo watches new heads and pokes the follower grain with each one: the poke wakes the follower
/// wherever Orleans placed it (re-activating it after its silo died) and its timer does the reading. The
/// poke itself is cheap; reading happens once, in the one activation. After each poke the silo's score index
/// takes the active-set changes the follower has delivered so far (usually none: one short grain call).
/// </summary>
public sealed class L1HeadWatch(L1Chain chain, IGrainFactory grains, ActiveSetSync activeSet, ILogger<L1HeadWatch> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!chain.IsConfigured)
        {
            return;
        }
        var follower = grains.GetGrain<IL1FollowerGrain>(IL1FollowerGrain.Key);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await follower.PokeAsync();
                await foreach (var _ in new NewHeads(chain.RequireClient().Rpc).WatchAsync(stoppingToken))
                {
                    await follower.PokeAsync();
                    await FollowActiveSetAsync(stoppingToken);
                }
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                // The silo may not be active yet, or L1 is away: try again shortly.
                logger.LogDebug(exception, "Poking the L1 follower failed; retrying.");
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }

    private async Task FollowActiveSetAsync(CancellationToken stoppingToken)
    {
        try
        {
            await activeSet.RefreshAsync(grains, stoppingToken);
        }
        catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
        {
            // The slot grain refreshes again before it ranks; a missed head here costs nothing.
            logger.LogDebug(exception, "Updating the score index from the follower failed; the next head retries.");
        }
    }
}
