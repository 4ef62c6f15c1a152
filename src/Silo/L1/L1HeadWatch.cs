using System.Diagnostics;
using Hosting.Contracts.L1;
using Hosting.Contracts.Telemetry;
using Hosting.Grains.Election;
using Hosting.Grains.L1;
using Hosting.L1.Rpc;

namespace Hosting.Silo.L1;

/// <summary>
/// Every silo watches new heads and pokes the follower grain with each one: the poke wakes the follower
/// wherever Orleans placed it (re-activating it after its silo died) and its timer does the reading. The
/// poke itself is cheap; reading happens once, in the one activation. After each poke the silo's score index
/// takes the active-set changes the follower has delivered so far (usually none: one short grain call).
/// The watch also keeps this silo's L1 head gauges: how far the follower is behind the newest head seen
/// here, and how long ago one came.
/// </summary>
public sealed class L1HeadWatch(L1Chain chain, IGrainFactory grains, ActiveSetSync activeSet, ILogger<L1HeadWatch> logger) : BackgroundService
{
    private static readonly TimeSpan LagRefresh = TimeSpan.FromSeconds(2);

    private long _head = -1;
    private long _followed = -1;
    private long _headSeenAt = Stopwatch.GetTimestamp();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!chain.IsConfigured)
        {
            return;
        }
        using var gauge = PlatformMetrics.ObserveL1Head(Reading);
        var follower = grains.GetGrain<IL1FollowerGrain>(IL1FollowerGrain.Key);
        var lag = FollowLagAsync(follower, stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await follower.PokeAsync();
                await foreach (var head in new NewHeads(chain.RequireClient().Rpc).WatchAsync(stoppingToken))
                {
                    Seen(head.Number);
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
        await lag;
    }

    private void Seen(ulong number)
    {
        if ((long)number != Interlocked.Exchange(ref _head, (long)number))
        {
            Interlocked.Exchange(ref _headSeenAt, Stopwatch.GetTimestamp());
        }
    }

    /// <summary>Reads the follower's last processed block now and then, so a scrape answers from memory.</summary>
    private async Task FollowLagAsync(IL1FollowerGrain follower, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var view = await follower.GetAsync();
                Interlocked.Exchange(ref _followed, view.LastBlock is { } last ? (long)last : -1);
                await Task.Delay(LagRefresh, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                logger.LogDebug(exception, "Reading the L1 follower's position failed; retrying.");
                await Task.Delay(LagRefresh, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private L1HeadReading Reading()
    {
        var head = Interlocked.Read(ref _head);
        var followed = Interlocked.Read(ref _followed);
        // Before the follower processed anything, all of the chain since deployment is lag; before a head came, none is known.
        var lag = head < 0 ? 0 : Math.Max(0, head - Math.Max(followed, 0));
        return new L1HeadReading(lag, Stopwatch.GetElapsedTime(Interlocked.Read(ref _headSeenAt)));
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
