using Hosting.Contracts.Domain;
using Hosting.Contracts.Tenants;
using Hosting.Portal.Access;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Hosting.Portal.Tenants;

/// <summary>The tenant's upgrade-signal policy: the payload its sequencers' proposals carry (zero abstains).</summary>
public static class UpgradeSignalEndpoints
{
    public static IEndpointRouteBuilder MapUpgradeSignal(this IEndpointRouteBuilder routes)
    {
        var signal = routes.MapGroup("/api/v1/tenants/{tenantId}/upgrade-signal").WithTags("Tenants")
            .RequireAuthorization(TenantAccessRequirement.Policy);
        signal.MapGet("", GetAsync)
            .WithSummary("The payload the tenant's proposals signal, and per-sequencer exceptions")
            .Produces<UpgradeSignalResponse>().ProducesProblem(404);
        signal.MapPut("", SetAsync)
            .WithSummary("Set the tenant's signal, or one sequencer's (zero: abstain, or fall back to the tenant's)")
            .Accepts<SetUpgradeSignalRequest>("application/json")
            .Produces<UpgradeSignalResponse>().ProducesValidationProblem().ProducesProblem(404);
        return routes;
    }

    private static async Task<IResult> GetAsync(string tenantId, IGrainFactory grains)
    {
        if (await grains.GetGrain<ITenantGrain>(tenantId).GetAsync() is null)
        {
            return TenantProblems.Unknown(tenantId);
        }
        return Results.Ok(UpgradeSignalResponse.From(await grains.GetGrain<IUpgradeSignalGrain>(tenantId).GetAsync()));
    }

    private static async Task<IResult> SetAsync(string tenantId, HttpRequest http, IGrainFactory grains)
    {
        var (request, problem) = await RequestBody.ReadAsync<SetUpgradeSignalRequest>(http);
        if (problem is not null)
        {
            return problem;
        }
        var (payload, sequencer, field, message) = Parse(request!);
        if (field is not null)
        {
            return RequestBody.Invalid(field, message!);
        }
        if (await grains.GetGrain<ITenantGrain>(tenantId).GetAsync() is null)
        {
            return TenantProblems.Unknown(tenantId);
        }
        if (await NotHostedAsync(grains, tenantId, sequencer) is { } notHosted)
        {
            return RequestBody.Invalid("sequencer", notHosted);
        }
        return Results.Ok(UpgradeSignalResponse.From(await grains.GetGrain<IUpgradeSignalGrain>(tenantId).SetAsync(sequencer, payload)));
    }

    /// <summary>The payload and optional sequencer from their text, or the field that was wrong and why (shared by the API and the operator page).</summary>
    public static (Hash32 Payload, Address? Sequencer, string? Field, string? Message) Parse(SetUpgradeSignalRequest request)
    {
        if (!Hash32.TryParse(request.Payload, out var payload))
        {
            return (default, null, "payload", $"'{request.Payload}' is not a payload id: expected 0x and 64 hex digits (zero abstains).");
        }
        if (request.Sequencer is not { Length: > 0 } text)
        {
            return (payload, null, null, null);
        }
        return Address.TryParse(text, out var sequencer)
            ? (payload, sequencer, null, null)
            : (default, null, "sequencer", $"'{text}' is not an address: expected 0x and 40 hex digits.");
    }

    /// <summary>Why <paramref name="sequencer"/> may not carry its own signal for the tenant (not one of its sequencers), or null.</summary>
    public static async Task<string?> NotHostedAsync(IGrainFactory grains, string tenantId, Address? sequencer) =>
        sequencer is { } one && !(await grains.GetGrain<ITenantGrain>(tenantId).GetHoldingsAsync()).Sequencers.Contains(one)
            ? $"Sequencer {one} is not hosted by tenant '{tenantId}'."
            : null;

}

public sealed record SetUpgradeSignalRequest(string? Payload, string? Sequencer);

public sealed record UpgradeSignalResponse(string Tenant, IReadOnlyDictionary<string, string> Sequencers)
{
    public static UpgradeSignalResponse From(UpgradeSignalPolicy policy) =>
        new(policy.Tenant.ToString(), policy.Sequencers.ToDictionary(s => s.Sequencer.ToString(), s => s.Payload.ToString()));
}
