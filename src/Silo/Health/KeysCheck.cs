using Hosting.Silo.Keys;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Hosting.Silo.Health;

/// <summary>
/// Not ready until key custody's tenant keys are loaded at start: a silo that answered before would stand down
/// in slots its sequencers lead. Degraded (still serving) while keystore keys stay locked here for want of a password.
/// </summary>
public sealed class KeysCheck(HostedKeys keys) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var state = keys.State;
        if (!state.Loaded)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy(state.LastError is { } error
                ? $"tenant keys not loaded yet: key custody could not be read ({error})"
                : "tenant keys not loaded yet: key custody is being read"));
        }
        var loaded = $"{state.Keys} tenant keys loaded at {state.LoadedAt:O}";
        return Task.FromResult(state.Locked.Count == 0
            ? HealthCheckResult.Healthy(loaded)
            : HealthCheckResult.Degraded($"{loaded}; {state.Locked.Count} keystore keys locked on this silo (no password file in Hosting:Keys:PasswordDirectory): {string.Join(", ", state.Locked.Take(5))}{(state.Locked.Count > 5 ? ", …" : "")}"));
    }
}
