using System.Globalization;
using System.Numerics;
using System.Text.Json.Serialization;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Sequencers;
using Hosting.Contracts.Tenants;
using Hosting.Portal.Tenants;
using Hosting.Portal.Access;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Hosting.Portal.Sequencers;

/// <summary>
/// A tenant's sequencers: the paged list comes from the tenant's own index (no sequencer is woken to list it),
/// the detail and the register/exit actions from the sequencer itself.
/// </summary>
public static class SequencerEndpoints
{
    public const int MaxPageSize = 200;

    public static IEndpointRouteBuilder MapSequencers(this IEndpointRouteBuilder routes)
    {
        var sequencers = routes.MapGroup("/api/v1/tenants/{tenantId}/sequencers").WithTags("Sequencers")
            .RequireAuthorization(TenantAccessRequirement.Policy);
        sequencers.MapGet("", ListAsync)
            .WithSummary("One page of the tenant's sequencers: filter by status, search by address prefix")
            .Produces<SequencerPage>().ProducesValidationProblem().ProducesProblem(404);
        sequencers.MapGet("/{address}", GetAsync)
            .WithSummary("One sequencer as L1 confirmed it").Produces<SequencerDetail>().ProducesValidationProblem().ProducesProblem(404);
        sequencers.MapPost("/{address}/register", RegisterAsync)
            .WithSummary("Send approve + register through the tenant's publisher; Registering until L1 confirms")
            .Accepts<RegisterSequencerRequest>("application/json")
            .Produces<SequencerDetail>(202).ProducesValidationProblem().ProducesProblem(404).ProducesProblem(409);
        sequencers.MapPost("/{address}/exit", ExitAsync)
            .WithSummary("Send initiateExit through the withdrawer; only an Active sequencer exits")
            .Produces<SequencerDetail>(202).ProducesValidationProblem().ProducesProblem(404).ProducesProblem(409);
        return routes;
    }

    /// <summary>Parses the list's query; the problem names the parameter that was wrong.</summary>
    public static (SequencerQuery? Query, IResult? Problem) ParseQuery(string? status, string? search, int? page, int? pageSize)
    {
        SequencerStatus? wanted = null;
        if (!string.IsNullOrWhiteSpace(status))
        {
            if (!SequencerStatusNames.TryParse(status, out var parsed))
            {
                return (null, RequestBody.Invalid("status", $"'{status}' is not a sequencer status; expected one of {string.Join(", ", SequencerStatusNames.All)}."));
            }
            wanted = parsed;
        }
        var prefix = (search ?? "").Trim().ToLowerInvariant();
        if (prefix.Length > 0 && !prefix.StartsWith("0x", StringComparison.Ordinal))
        {
            prefix = "0x" + prefix;
        }
        if (prefix.Length > 42 || !prefix.Skip(2).All(char.IsAsciiHexDigit))
        {
            return (null, RequestBody.Invalid("search", $"'{search}' is not an address prefix: expected up to 40 hex digits, with or without 0x."));
        }
        if (page is < 1)
        {
            return (null, RequestBody.Invalid("page", $"Pages start at 1, got {page}."));
        }
        if (pageSize is < 1 or > MaxPageSize)
        {
            return (null, RequestBody.Invalid("pageSize", $"A page holds 1-{MaxPageSize} sequencers, got {pageSize}."));
        }
        return (new SequencerQuery(wanted, prefix, page ?? 1, pageSize ?? 50), null);
    }

    private static async Task<IResult> ListAsync(string tenantId, string? status, string? search, int? page, int? pageSize, IGrainFactory grains)
    {
        var (query, problem) = ParseQuery(status, search, page, pageSize);
        if (problem is not null)
        {
            return problem;
        }
        var tenant = grains.GetGrain<ITenantGrain>(tenantId);
        var found = await tenant.ListSequencersAsync(query!);
        // Only an empty answer can mean an unknown tenant: the usual page costs one grain call.
        if (found.Total == 0 && await tenant.GetAsync() is null)
        {
            return TenantProblems.Unknown(tenantId);
        }
        return Results.Ok(new SequencerList(
            [.. found.Items.Select(s => new SequencerListItem(s.Sequencer.ToString(), SequencerStatusNames.Of(s.Status)))],
            found.Total, found.Page, found.PageSize));
    }

    private static async Task<IResult> GetAsync(string tenantId, string address, IGrainFactory grains)
    {
        if (!Address.TryParse(address, out var sequencer))
        {
            return InvalidAddress(address);
        }
        var view = await grains.GetGrain<ISequencerGrain>(sequencer.ToString()).GetAsync();
        return view is null || view.Tenant != tenantId ? UnknownSequencer(tenantId, sequencer) : Results.Ok(SequencerDetail.From(view));
    }

    private static async Task<IResult> RegisterAsync(string tenantId, string address, HttpRequest http, IGrainFactory grains)
    {
        if (!Address.TryParse(address, out var sequencer))
        {
            return InvalidAddress(address);
        }
        var (request, bad) = await RequestBody.ReadAsync<RegisterSequencerRequest>(http);
        if (bad is not null)
        {
            return bad;
        }
        var (registration, field, message) = ParseRegistration(request!);
        if (registration is null)
        {
            return RequestBody.Invalid(field!, message!);
        }
        return await ActAsync(tenantId, sequencer, grains, g => g.RegisterAsync(tenantId, registration));
    }

    /// <summary>A registration from its text fields, or the field that was wrong and why.</summary>
    public static (SequencerRegistration? Registration, string? Field, string? Message) ParseRegistration(RegisterSequencerRequest request)
    {
        if (!BigInteger.TryParse(request.Stake, NumberStyles.None, CultureInfo.InvariantCulture, out var stake) || stake <= 0)
        {
            return (null, "stake", $"'{request.Stake}' is not a stake: expected a positive whole number of wei, as a decimal string.");
        }
        if (!Address.TryParse(request.Withdrawer, out var withdrawer) || withdrawer.IsZero)
        {
            return (null, "withdrawer", $"'{request.Withdrawer}' is not a withdrawer address: expected 0x and 40 hex digits, not zero.");
        }
        if (!Address.TryParse(request.Publisher, out var publisher))
        {
            return (null, "publisher", $"'{request.Publisher}' is not a publisher address: expected one of the tenant's publishers (0x and 40 hex digits).");
        }
        return (new SequencerRegistration(publisher, withdrawer, stake), null, null);
    }

    /// <summary>Runs a register or exit; the refusal's message when the platform or L1 refused it.</summary>
    public static async Task<(SequencerView? View, int Status, string? Refusal)> TryActAsync(Func<Task<SequencerView>> action)
    {
        try
        {
            return (await action(), StatusCodes.Status202Accepted, null);
        }
        catch (RequestRefusedException e)
        {
            return (null, e.Reason == RefusalReason.BadInput ? StatusCodes.Status400BadRequest : StatusCodes.Status409Conflict, e.Message);
        }
        catch (L1RevertException e)
        {
            return (null, StatusCodes.Status409Conflict, e.Message);
        }
        catch (InvalidOperationException e) when (e.Message.Contains("No L1", StringComparison.Ordinal))
        {
            return (null, StatusCodes.Status503ServiceUnavailable, e.Message);
        }
    }

    private static async Task<IResult> ExitAsync(string tenantId, string address, IGrainFactory grains) =>
        Address.TryParse(address, out var sequencer)
            ? await ActAsync(tenantId, sequencer, grains, g => g.ExitAsync(tenantId))
            : InvalidAddress(address);

    private static async Task<IResult> ActAsync(string tenantId, Address sequencer, IGrainFactory grains, Func<ISequencerGrain, Task<SequencerView>> action)
    {
        var grain = grains.GetGrain<ISequencerGrain>(sequencer.ToString());
        if (await grain.GetAsync() is not { } view || view.Tenant != tenantId)
        {
            return UnknownSequencer(tenantId, sequencer);
        }
        var (done, status, refusal) = await TryActAsync(() => action(grain));
        return done is not null
            ? Results.Accepted($"/api/v1/tenants/{tenantId}/sequencers/{sequencer}", SequencerDetail.From(done))
            : Results.Problem(title: status == StatusCodes.Status503ServiceUnavailable ? "L1 not available" : "Refused", detail: refusal, statusCode: status);
    }

    private static IResult InvalidAddress(string address) =>
        RequestBody.Invalid("address", $"'{address}' is not a sequencer address: expected 0x and 40 hex digits.");

    private static IResult UnknownSequencer(string tenantId, Address sequencer) =>
        Results.Problem(title: "Unknown sequencer", detail: $"Tenant '{tenantId}' hosts no sequencer {sequencer}.", statusCode: StatusCodes.Status404NotFound);

}

/// <summary>The API's names for <see cref="SequencerStatus"/>, as PROTOCOL.md speaks of them.</summary>
public static class SequencerStatusNames
{
    private static readonly Dictionary<SequencerStatus, string> Names = new()
    {
        [SequencerStatus.None] = "unregistered",
        [SequencerStatus.Registering] = "registering",
        [SequencerStatus.Queued] = "queued",
        [SequencerStatus.Active] = "active",
        [SequencerStatus.Exiting] = "exiting",
        [SequencerStatus.Exited] = "exited",
    };

    public static IEnumerable<string> All => Names.Values;

    public static string Of(SequencerStatus status) => Names.TryGetValue(status, out var name) ? name : status.ToString().ToLowerInvariant();

    public static bool TryParse(string name, out SequencerStatus status)
    {
        foreach (var (value, text) in Names)
        {
            if (string.Equals(text, name.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                status = value;
                return true;
            }
        }
        status = default;
        return false;
    }
}

public sealed record RegisterSequencerRequest(string? Stake, string? Withdrawer, string? Publisher);

public sealed record SequencerListItem(string Address, string Status);

public sealed record SequencerList(IReadOnlyList<SequencerListItem> Items, int Total, int Page, int PageSize);

/// <summary>A sequencer for the API: amounts in wei as decimal strings, the last L1 transaction we sent for it.</summary>
public sealed record SequencerDetail(
    string Address, string Tenant, string Status, string Stake, string? Withdrawer, string? Publisher,
    ulong? RegisteredBlock, ulong? ActivatedBlock, ulong? ExitInitiatedBlock, ulong? ExitUnlockBlock, ulong? ExitedBlock,
    string ReturnedStake, string? LastTransaction)
{
    public static SequencerDetail From(SequencerView v) => new(
        v.Sequencer.ToString(), v.Tenant, SequencerStatusNames.Of(v.Status), v.Stake.ToString(CultureInfo.InvariantCulture),
        v.Withdrawer?.ToString(), v.Publisher?.ToString(), v.RegisteredBlock, v.ActivatedBlock, v.ExitInitiatedBlock,
        v.ExitUnlockBlock, v.ExitedBlock, v.ReturnedStake.ToString(CultureInfo.InvariantCulture), v.LastTransaction?.ToString());
}
