using Hosting.Contracts.Slots;
using Hosting.Contracts.Tenants;
using Hosting.Portal.Tenants;
using Hosting.Portal.Access;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Hosting.Portal.Slots;

/// <summary>The tenant's recent slots and the outcome each reached (newest first).</summary>
public static class SlotHistoryEndpoints
{
    public const int DefaultLimit = 50;

    public static IEndpointRouteBuilder MapSlotHistory(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/v1/tenants/{tenantId}/slots", ListAsync).WithTags("Tenants")
            .RequireAuthorization(TenantAccessRequirement.Policy)
            .WithSummary($"The tenant's recent slots (newest first, at most {ISlotHistoryGrain.Capacity} kept): who proposed and the outcome")
            .Produces<SlotHistoryResponse>().ProducesValidationProblem().ProducesProblem(404);
        return routes;
    }

    private static async Task<IResult> ListAsync(string tenantId, HttpRequest http, IGrainFactory grains)
    {
        var limit = DefaultLimit;
        if (http.Query.TryGetValue("limit", out var text) && (!int.TryParse(text, out limit) || limit is < 1 or > ISlotHistoryGrain.Capacity))
        {
            return RequestBody.Invalid("limit", $"'{text}' is not a limit: expected a whole number from 1 to {ISlotHistoryGrain.Capacity}.");
        }
        if (await grains.GetGrain<ITenantGrain>(tenantId).GetAsync() is null)
        {
            return TenantProblems.Unknown(tenantId);
        }
        var entries = await grains.GetGrain<ISlotHistoryGrain>(tenantId).RecentAsync(limit);
        return Results.Ok(new SlotHistoryResponse([.. entries.Select(SlotHistoryItem.From)]));
    }

    /// <summary>The outcome as the API and the page name it.</summary>
    public static string Name(SlotOutcome outcome) => outcome switch
    {
        SlotOutcome.NotOurs => "stood-down",
        SlotOutcome.Forecast => "forecast",
        SlotOutcome.Proposed => "proposed",
        SlotOutcome.Canonical => "canonical",
        SlotOutcome.Outbid => "outbid",
        SlotOutcome.Missed => "missed",
        SlotOutcome.Committed => "committed",
        SlotOutcome.Revealed => "revealed",
        SlotOutcome.Finalised => "finalised",
        SlotOutcome.Backup => "backup",
        _ => "unknown",
    };
}

public sealed record SlotHistoryResponse(IReadOnlyList<SlotHistoryItem> Items);

public sealed record SlotHistoryItem(ulong Slot, string? Sequencer, string Outcome, ulong? L2Block, string? ProposalTransaction, string? Note, DateTimeOffset At)
{
    public static SlotHistoryItem From(SlotHistoryEntry e) =>
        new(e.Slot, e.Sequencer?.ToString(), SlotHistoryEndpoints.Name(e.Outcome), e.L2BlockNumber, e.ProposalTransaction?.ToString(), e.Note, e.At);
}
