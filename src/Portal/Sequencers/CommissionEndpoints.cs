using System.Globalization;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Publishers;
using Hosting.Contracts.Sequencers;
using Hosting.Contracts.Tenants;
using Hosting.L1;
using Hosting.Portal.Access;
using Hosting.Portal.Chain;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Hosting.Portal.Sequencers;

/// <summary>
/// A sequencer's commission (the share of its rewards its withdrawer keeps). The registry lets only the
/// withdrawer call setCommission, so the platform sends it only when the withdrawer is one of the tenant's
/// publisher accounts (their keys are the only ones it holds); otherwise it prepares the call, checked against
/// L1, for the operator to send from the withdrawer's own wallet.
/// </summary>
public static class CommissionEndpoints
{
    public static IEndpointRouteBuilder MapCommission(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/api/v1/tenants/{tenantId}/sequencers/{address}/commission", PostAsync).WithTags("Sequencers")
            .RequireAuthorization(TenantAccessRequirement.Policy)
            .WithSummary("Set the sequencer's commission (bps): sent through the withdrawer when it is the tenant's publisher (202), else the call to send from the withdrawer's wallet (200)")
            .Accepts<SetCommissionRequest>("application/json")
            .Produces<CommissionResponse>(202).Produces<CommissionResponse>().ProducesValidationProblem().ProducesProblem(404).ProducesProblem(409).ProducesProblem(503);
        return routes;
    }

    private static async Task<IResult> PostAsync(string tenantId, string address, HttpRequest http, IGrainFactory grains)
    {
        var (request, problem) = await RequestBody.ReadAsync<SetCommissionRequest>(http);
        if (problem is not null)
        {
            return problem;
        }
        if (!Address.TryParse(address, out var sequencer))
        {
            return RequestBody.Invalid("address", $"'{address}' is not a sequencer address: expected 0x and 40 hex digits.");
        }
        var outcome = await SetAsync(grains, http.HttpContext.RequestServices.GetService<PortalL1>()?.Chain, tenantId, sequencer,
            request!.Bps?.ToString(CultureInfo.InvariantCulture));
        return outcome.Status switch
        {
            StatusCodes.Status202Accepted => Results.Accepted($"/api/v1/tenants/{tenantId}/sequencers/{sequencer}", outcome.Response),
            StatusCodes.Status200OK => Results.Ok(outcome.Response),
            StatusCodes.Status400BadRequest => RequestBody.Invalid(outcome.Field!, outcome.Message),
            var status => Results.Problem(title: status switch { 404 => "Unknown sequencer", 503 => "L1 not available", _ => "Refused" }, detail: outcome.Message, statusCode: status),
        };
    }

    /// <summary>
    /// Sets the commission of the tenant's <paramref name="sequencer"/> to <paramref name="bpsText"/> basis points, or
    /// says why not: 400 (the field), 404 (not the tenant's), 409 (L1 would refuse), 503 (no L1). Shared by the API and the page.
    /// </summary>
    public static async Task<CommissionOutcome> SetAsync(IGrainFactory grains, PortalChain? chain, string tenant, Address sequencer, string? bpsText)
    {
        if (!ushort.TryParse(bpsText, NumberStyles.None, CultureInfo.InvariantCulture, out var bps))
        {
            return CommissionOutcome.Refused(400, $"'{bpsText}' is not a commission: expected a whole number of basis points (100 = 1 %), 0 or more.", "bps");
        }
        if (await grains.GetGrain<ISequencerGrain>(sequencer.ToString()).GetAsync() is not { } view || view.Tenant != tenant)
        {
            return CommissionOutcome.Refused(404, $"Tenant '{tenant}' hosts no sequencer {sequencer}.");
        }
        if (chain is null)
        {
            return CommissionOutcome.Refused(503, "No L1 is configured for this portal (Hosting:L1:RpcUrls, Hosting:L1:DeploymentFile); the commission lives on L1.");
        }
        var max = await chain.MaxCommissionBpsAsync();
        if (bps > max)
        {
            return CommissionOutcome.Refused(400, $"{bps} bps is more than the registry allows: at most {max} bps ({max / 100m:0.##} %).", "bps");
        }
        var (call, withdrawer, refusal) = await chain.PrepareCommissionAsync(sequencer, bps);
        if (call is null)
        {
            return CommissionOutcome.Refused(409, refusal!);
        }
        if (!(await grains.GetGrain<ITenantGrain>(tenant).GetHoldingsAsync()).Publishers.Contains(withdrawer))
        {
            return new CommissionOutcome(200, new CommissionResponse(sequencer.ToString(), bps, withdrawer.ToString(), null, call,
                $"Only the withdrawer {withdrawer} may set the commission, and it is not one of your publisher accounts, so the platform cannot send it. "
                + $"Send this call from the withdrawer's wallet: to {call.To}, data {call.Data}, value 0 "
                + $"(for example: cast send {call.To} 'setCommission(address,uint16)' {sequencer} {bps} --from {withdrawer})."), null, "");
        }
        try
        {
            var hash = await grains.GetGrain<IPublisherGrain>(withdrawer.ToString())
                .SendAsync(tenant, new L1Call(call.To, Hex.Decode(call.Data), $"set commission of {sequencer} to {bps} bps"));
            return new CommissionOutcome(202, new CommissionResponse(sequencer.ToString(), bps, withdrawer.ToString(), hash.ToString(), null,
                $"setCommission sent through the withdrawer {withdrawer} in transaction {hash}; the commission is {bps} bps once L1 confirms it."), null, "");
        }
        catch (RequestRefusedException e)
        {
            return CommissionOutcome.Refused(409, e.Message);
        }
        catch (L1RevertException e)
        {
            return CommissionOutcome.Refused(409, e.Message);
        }
    }
}

public sealed record SetCommissionRequest(int? Bps);

/// <summary>Sent (<see cref="Transaction"/>) or prepared for the withdrawer's wallet (<see cref="Call"/>), with what to do next.</summary>
public sealed record CommissionResponse(string Sequencer, int Bps, string Withdrawer, string? Transaction, PreparedCall? Call, string Message);

public sealed record CommissionOutcome(int Status, CommissionResponse? Response, string? Field, string Message)
{
    public static CommissionOutcome Refused(int status, string message, string? field = null) => new(status, null, field, message);
}
