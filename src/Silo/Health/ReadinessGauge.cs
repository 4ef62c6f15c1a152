using Hosting.Contracts.Telemetry;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Hosting.Silo.Health;

/// <summary>
/// Runs the readiness checks on a period (ASP.NET Core's health check publisher) and exports each one's last
/// result as <c>hosting_readiness{check}</c>, so an alert sees a silo that is not ready even when nobody asks
/// /readyz. A check that has not run yet is not exported.
/// </summary>
public sealed class ReadinessGauge : IHealthCheckPublisher, IDisposable
{
    private readonly IDisposable _registration;
    private volatile IReadOnlyList<ReadinessReading> _last = [];

    public ReadinessGauge() => _registration = PlatformMetrics.ObserveReadiness(() => _last);

    public Task PublishAsync(HealthReport report, CancellationToken cancellationToken)
    {
        _last = [.. report.Entries
            .Select(e => (Check: CheckOf(e.Key), e.Value.Status))
            .Where(e => e.Check is not null)
            .Select(e => new ReadinessReading(e.Check!.Value, e.Status == HealthStatus.Healthy))];
        return Task.CompletedTask;
    }

    private static ReadinessCheck? CheckOf(string name) =>
        Enum.TryParse<ReadinessCheck>(name, ignoreCase: true, out var check) ? check : null;

    public void Dispose() => _registration.Dispose();
}
