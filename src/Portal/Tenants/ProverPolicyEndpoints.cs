using System.Globalization;
using System.Numerics;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Slots;
using Hosting.Contracts.Tenants;
using Hosting.Portal.Access;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Hosting.Portal.Tenants;

/// <summary>
/// The tenant's proof-boost policy: which provers' quotes its slots accept (bond floor, fee ceiling, allow and
/// block lists, clean record) and in what order, and whether the platform's agents submit backup blocks for its
/// failed slots. Read by the slot grain at each choice and each backup question, so a change applies to the next one.
/// </summary>
public static class ProverPolicyEndpoints
{
    private const int MaxProvers = 256;

    public static IEndpointRouteBuilder MapProverPolicy(this IEndpointRouteBuilder routes)
    {
        var policy = routes.MapGroup("/api/v1/tenants/{tenantId}/prover-policy").WithTags("Tenants")
            .RequireAuthorization(TenantAccessRequirement.Policy);
        policy.MapGet("", GetAsync)
            .WithSummary("The tenant's proof-boost policy (the protocol's default until set)")
            .Produces<ProverPolicyResponse>().ProducesProblem(404);
        policy.MapPut("", SetAsync)
            .WithSummary("Replace the tenant's proof-boost policy; fields left out take their default")
            .Accepts<SetProverPolicyRequest>("application/json")
            .Produces<ProverPolicyResponse>().ProducesValidationProblem().ProducesProblem(404);
        return routes;
    }

    private static async Task<IResult> GetAsync(string tenantId, IGrainFactory grains)
    {
        if (await grains.GetGrain<ITenantGrain>(tenantId).GetAsync() is null)
        {
            return TenantProblems.Unknown(tenantId);
        }
        return Results.Ok(ProverPolicyResponse.From(await grains.GetGrain<IProverPolicyGrain>(tenantId).GetAsync()));
    }

    private static async Task<IResult> SetAsync(string tenantId, HttpRequest http, IGrainFactory grains)
    {
        var (request, problem) = await RequestBody.ReadAsync<SetProverPolicyRequest>(http);
        if (problem is not null)
        {
            return problem;
        }
        var parsed = Parse(request!);
        if (parsed.Field is { } field)
        {
            return RequestBody.Invalid(field, parsed.Message!);
        }
        if (await grains.GetGrain<ITenantGrain>(tenantId).GetAsync() is null)
        {
            return TenantProblems.Unknown(tenantId);
        }
        var saved = await grains.GetGrain<IProverPolicyGrain>(tenantId).SetAsync(parsed.Policy!);
        return Results.Ok(ProverPolicyResponse.From(saved));
    }

    /// <summary>A policy from the request's text fields, or the field that was wrong and why (shared by the API and the operator page).</summary>
    public static (ProverPolicy? Policy, string? Field, string? Message) Parse(SetProverPolicyRequest request)
    {
        var minimumBond = request.MinimumBond ?? "0";
        if (!IsWei(minimumBond))
        {
            return (null, "minimumBond", $"'{minimumBond}' is not an amount in wei: expected a whole number of at least 0, as text.");
        }
        if (request.MaximumFee is { } fee && !IsWei(fee))
        {
            return (null, "maximumFee", $"'{fee}' is not an amount in wei: expected a whole number of at least 0, as text (or null for no limit).");
        }
        var preference = request.Preference switch
        {
            null or "lowest-fee" => ProverPreference.LowestFee,
            "highest-bond" => ProverPreference.HighestBond,
            _ => (ProverPreference?)null,
        };
        if (preference is null)
        {
            return (null, "preference", $"'{request.Preference}' is not a preference: expected 'lowest-fee' or 'highest-bond'.");
        }
        var (allowed, allowedProblem) = Provers(request.AllowedProvers);
        if (allowedProblem is not null)
        {
            return (null, "allowedProvers", allowedProblem);
        }
        var (blocked, blockedProblem) = Provers(request.BlockedProvers);
        if (blockedProblem is not null)
        {
            return (null, "blockedProvers", blockedProblem);
        }
        if (allowed!.Intersect(blocked!).Cast<Address?>().FirstOrDefault() is { } both)
        {
            return (null, "blockedProvers", $"{both} is both allowed and blocked; name it in one list only.");
        }
        var backup = request.Backup switch
        {
            null or "submit" => BackupPolicy.Submit,
            "never" => BackupPolicy.Never,
            _ => (BackupPolicy?)null,
        };
        if (backup is null)
        {
            return (null, "backup", $"'{request.Backup}' is not a backup policy: expected 'submit' (the platform's prover agents submit a backup block for your failed slots) or 'never'.");
        }
        if (request.MaxAuthorisationsPerSlot is { } bound && bound is < 1 or > 64)
        {
            return (null, "maxAuthorisationsPerSlot", $"{bound} is not a bound on authorisations per slot: expected 1 (the chosen prover only) to 64, or leave it out for the platform's bound (which also caps it).");
        }
        return (new ProverPolicy(BigInteger.Parse(minimumBond, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture),
            request.MaximumFee is { } max ? BigInteger.Parse(max, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture) : null,
            request.RequireCleanRecord ?? true, allowed!, blocked!, preference.Value, backup.Value, request.MaxAuthorisationsPerSlot), null, null);
    }

    private static (List<Address>? Provers, string? Problem) Provers(IReadOnlyList<string>? texts)
    {
        var provers = new List<Address>();
        if (texts is null)
        {
            return (provers, null);
        }
        if (texts.Count > MaxProvers)
        {
            return (null, $"{texts.Count} provers listed; at most {MaxProvers}.");
        }
        foreach (var text in texts)
        {
            if (!Address.TryParse(text, out var prover))
            {
                return (null, $"'{text}' is not an address: expected 0x and 40 hex digits.");
            }
            if (!provers.Contains(prover))
            {
                provers.Add(prover);
            }
        }
        return (provers, null);
    }

    private static bool IsWei(string text) =>
        text.Length is > 0 and <= 78 && text.All(char.IsAsciiDigit);

}

/// <summary>A whole policy; each field left out takes the protocol default's value.</summary>
public sealed record SetProverPolicyRequest(
    string? MinimumBond,
    string? MaximumFee,
    bool? RequireCleanRecord,
    IReadOnlyList<string>? AllowedProvers,
    IReadOnlyList<string>? BlockedProvers,
    string? Preference,
    string? Backup = null,
    int? MaxAuthorisationsPerSlot = null);

public sealed record ProverPolicyResponse(
    string MinimumBond,
    string? MaximumFee,
    bool RequireCleanRecord,
    IReadOnlyList<string> AllowedProvers,
    IReadOnlyList<string> BlockedProvers,
    string Preference,
    string Backup,
    int? MaxAuthorisationsPerSlot)
{
    public static ProverPolicyResponse From(ProverPolicy policy) => new(
        policy.MinimumBond, policy.MaximumFee, policy.RequireCleanRecord,
        [.. policy.AllowedProvers.Select(a => a.ToString())], [.. policy.BlockedProvers.Select(a => a.ToString())],
        policy.Preference == ProverPreference.HighestBond ? "highest-bond" : "lowest-fee",
        policy.Backup == BackupPolicy.Never ? "never" : "submit",
        policy.MaxAuthorisationsPerSlot);
}
