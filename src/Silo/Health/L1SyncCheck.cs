using Hosting.Contracts.L1;
using Hosting.Grains.L1;
using Hosting.Silo.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Hosting.Silo.Health;

/// <summary>
/// Ready only when the L1 follower has processed a block within <see cref="L1Options.MaxLagBlocks"/> of the
/// chain's head: a silo that is behind L1 would forecast and propose on a stale view. A silo with no L1
/// configured is ready (the follower is idle by configuration, and says so).
/// </summary>
public sealed class L1SyncCheck(L1Chain chain, IGrainFactory grains, HostingOptions options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!chain.IsConfigured)
        {
            return HealthCheckResult.Healthy("no L1 configured: the follower is idle");
        }
        ulong head;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            head = await chain.RequireClient().GetBlockNumberAsync(timeout.Token);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"L1 does not answer: {e.Message}");
        }
        var follower = await grains.GetGrain<IL1FollowerGrain>(IL1FollowerGrain.Key).GetAsync();
        if (follower.LastBlock is not { } followed)
        {
            return HealthCheckResult.Unhealthy($"the follower has not processed a block yet (L1 head {head})");
        }
        var lag = head > followed ? head - followed : 0;
        return lag <= (ulong)options.L1.MaxLagBlocks
            ? HealthCheckResult.Healthy($"followed block {followed}, L1 head {head} ({lag} behind)")
            : HealthCheckResult.Unhealthy($"followed block {followed} is {lag} blocks behind L1 head {head} (allowed {options.L1.MaxLagBlocks})");
    }
}
