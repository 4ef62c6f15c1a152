using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Runtime;

namespace Hosting.Silo.Health;

/// <summary>Ready only once this silo is an active member of the cluster.</summary>
public sealed class ClusterJoinedCheck(ISiloStatusOracle oracle) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = oracle.CurrentStatus;
        return Task.FromResult(status == SiloStatus.Active
            ? HealthCheckResult.Healthy("silo is an active cluster member")
            : HealthCheckResult.Unhealthy($"silo status is {status}, not Active"));
    }
}
