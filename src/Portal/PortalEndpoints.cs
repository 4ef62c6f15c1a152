using Hosting.Contracts.Tenants;
using Hosting.Portal.Access;
using Hosting.Portal.Delegators;
using Hosting.Portal.Keys;
using Hosting.Portal.Pages;
using Hosting.Portal.Sequencers;
using Hosting.Portal.Slots;
using Hosting.Portal.Tenants;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Hosting.Portal;

/// <summary>The portal's routes; the same map serves the co-hosted devnet silo and the standalone portal.</summary>
public static class PortalEndpoints
{
    public static IEndpointRouteBuilder MapPortal(this IEndpointRouteBuilder routes)
    {
        routes.MapOpenApi("/openapi/{documentName}.json");
        routes.MapGet("/api/reference", () => Results.Content(ReferencePage, "text/html; charset=utf-8")).ExcludeFromDescription();

        var api = routes.MapGroup("/api/v1");
        var tenants = api.MapGroup("/tenants/{tenantId}").WithTags("Tenants");
        tenants.MapGet("", GetTenantAsync)
            .RequireAuthorization(TenantAccessRequirement.Policy)
            .WithSummary("The tenant's profile").Produces<TenantProfile>().ProducesProblem(404);
        tenants.MapPut("", SaveTenantAsync)
            .RequireAuthorization(TenantAccessRequirement.AdminPolicy)
            .WithSummary("Create or rename a tenant (platform admin)").Produces<TenantProfile>().ProducesValidationProblem();
        tenants.MapGet("/tokens", ListTokensAsync)
            .RequireAuthorization(TenantAccessRequirement.AdminPolicy)
            .WithSummary("The tenant's API tokens, without secrets (platform admin)").Produces<IReadOnlyList<TenantToken>>();
        tenants.MapPost("/tokens", IssueTokenAsync)
            .RequireAuthorization(TenantAccessRequirement.AdminPolicy)
            .WithSummary("Issue an API token for the tenant; the secret is shown once (platform admin)")
            .Produces<IssuedToken>(201).ProducesValidationProblem().ProducesProblem(404);
        tenants.MapDelete("/tokens/{tokenId}", RevokeTokenAsync)
            .RequireAuthorization(TenantAccessRequirement.AdminPolicy)
            .WithSummary("Revoke one of the tenant's tokens (platform admin)").Produces(204).ProducesProblem(404);
        routes.MapSequencers();
        routes.MapCommission();
        routes.MapSlots();
        routes.MapUpgradeSignal();
        routes.MapProverPolicy();
        routes.MapPublishers();
        routes.MapSlotHistory();
        routes.MapKeyManager();
        routes.MapKeyGeneration();
        routes.MapOperatorPages();
        routes.MapDelegatorPages();
        return routes;
    }

    private static async Task<IResult> GetTenantAsync(string tenantId, IGrainFactory grains)
    {
        var tenant = await grains.GetGrain<ITenantGrain>(tenantId).GetAsync();
        return tenant is null ? TenantProblems.Unknown(tenantId) : Results.Ok(tenant);
    }

    private static async Task<IResult> SaveTenantAsync(string tenantId, SaveTenantRequest? request, IGrainFactory grains)
    {
        var errors = new Dictionary<string, string[]>();
        if (!TenantCredential.TenantIdPattern().IsMatch(tenantId))
        {
            errors["tenantId"] = [$"'{tenantId}' is not a tenant id: use 1-40 lower-case letters, digits and dashes, starting with a letter or digit."];
        }
        if (request is null || string.IsNullOrWhiteSpace(request.DisplayName))
        {
            errors["displayName"] = ["A tenant needs a display name."];
        }
        else if (request.DisplayName.Trim().Length > 100)
        {
            errors["displayName"] = [$"A display name has at most 100 characters, got {request.DisplayName.Trim().Length}."];
        }
        if (errors.Count > 0)
        {
            return Results.ValidationProblem(errors);
        }
        return Results.Ok(await grains.GetGrain<ITenantGrain>(tenantId).SaveAsync(request!.DisplayName));
    }

    private static async Task<IResult> ListTokensAsync(string tenantId, IGrainFactory grains) =>
        Results.Ok(await grains.GetGrain<ITenantAccessGrain>(tenantId).ListAsync());

    private static async Task<IResult> IssueTokenAsync(string tenantId, IssueTokenRequest? request, IGrainFactory grains)
    {
        if (request is null || string.IsNullOrWhiteSpace(request.Label) || request.Label.Trim().Length > 60)
        {
            return Results.ValidationProblem(new Dictionary<string, string[]>
            {
                ["label"] = ["A token needs a label of 1-60 characters saying who or what uses it."],
            });
        }
        if (await grains.GetGrain<ITenantGrain>(tenantId).GetAsync() is null)
        {
            return TenantProblems.Unknown(tenantId);
        }
        var (token, secretHash) = TenantCredential.Create(tenantId);
        var issued = await grains.GetGrain<ITenantAccessGrain>(tenantId).IssueAsync(request.Label, secretHash);
        return Results.Created($"/api/v1/tenants/{tenantId}/tokens/{issued.Id}", new IssuedToken(issued.Id, issued.Label, token, issued.IssuedAt));
    }

    private static async Task<IResult> RevokeTokenAsync(string tenantId, string tokenId, IGrainFactory grains) =>
        await grains.GetGrain<ITenantAccessGrain>(tenantId).RevokeAsync(tokenId)
            ? Results.NoContent()
            : Results.Problem(title: "Unknown token", detail: $"Tenant '{tenantId}' has no token with the id '{tokenId}'.", statusCode: StatusCodes.Status404NotFound);

    // The browsable reference: the OpenAPI document rendered as a table, no front-end build step.
    private const string ReferencePage = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>API reference - sequencer hosting portal</title>
        <style>body{font-family:system-ui,sans-serif;margin:2rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}code{white-space:nowrap}</style></head>
        <body><main><h1>API reference</h1>
        <p>Machine-readable: <a href="/openapi/v1.json">/openapi/v1.json</a>. Authenticate with <code>Authorization: Bearer &lt;token&gt;</code>; errors are RFC 9457 problem details.</p>
        <table><thead><tr><th>method</th><th>path</th><th>what it does</th><th>responses</th></tr></thead><tbody id="ops"><tr><td colspan="4">Loading…</td></tr></tbody></table>
        <script>
        fetch('/openapi/v1.json').then(r => r.json()).then(doc => {
          const rows = [];
          for (const [path, item] of Object.entries(doc.paths || {}))
            for (const [method, op] of Object.entries(item))
              if (op && op.responses) rows.push(`<tr><td>${method.toUpperCase()}</td><td><code>${path}</code></td><td>${op.summary || ''}</td><td>${Object.keys(op.responses).join(', ')}</td></tr>`);
          document.getElementById('ops').innerHTML = rows.join('') || '<tr><td colspan="4">No operations.</td></tr>';
        });
        </script></main></body></html>
        """;
}

public sealed record SaveTenantRequest(string DisplayName);

public sealed record IssueTokenRequest(string Label);

/// <summary>A newly issued token: <see cref="Token"/> is shown this once and never again.</summary>
public sealed record IssuedToken(string Id, string Label, string Token, DateTimeOffset IssuedAt);
