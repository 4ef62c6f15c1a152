using Hosting.Contracts.Tenants;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Hosting.Portal;

/// <summary>The portal's routes; the same map serves the co-hosted devnet silo and the standalone portal.</summary>
public static class PortalEndpoints
{
    public static IEndpointRouteBuilder MapPortal(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/api/v1");
        api.MapGet("/tenants/{tenantId}", GetTenantAsync);
        api.MapPut("/tenants/{tenantId}", SaveTenantAsync);
        routes.MapGet("/", () => Results.Content(HomePage, "text/html; charset=utf-8"));
        return routes;
    }

    private static async Task<IResult> GetTenantAsync(string tenantId, IGrainFactory grains)
    {
        var tenant = await grains.GetGrain<ITenantGrain>(tenantId).GetAsync();
        return tenant is null
            ? Results.Problem(title: "Unknown tenant", detail: $"No tenant has the id '{tenantId}'.", statusCode: StatusCodes.Status404NotFound)
            : Results.Ok(tenant);
    }

    private static async Task<IResult> SaveTenantAsync(string tenantId, SaveTenantRequest? request, IGrainFactory grains)
    {
        if (request is null || string.IsNullOrWhiteSpace(request.DisplayName))
        {
            return Results.ValidationProblem(new Dictionary<string, string[]>
            {
                ["displayName"] = ["A tenant needs a display name."],
            });
        }
        return Results.Ok(await grains.GetGrain<ITenantGrain>(tenantId).SaveAsync(request.DisplayName));
    }

    private const string HomePage = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>Sequencer hosting portal</title></head>
        <body><main><h1>Sequencer hosting portal</h1><p>The operator and delegator pages arrive with the portal work; the API lives under <code>/api/v1</code>.</p></main></body>
        </html>
        """;
}

public sealed record SaveTenantRequest(string DisplayName);
