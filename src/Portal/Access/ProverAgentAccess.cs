using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Hosting.Portal.Access;

/// <summary>
/// Routes only the platform's own prover agents may call (<see cref="PortalOptions.ProverAgentTokens"/>): no
/// credential is 401, any other credential (a wrong token, a tenant's, the admin's) is 403, both before the
/// handler runs, so a refused caller never reaches the grain.
/// </summary>
public static class ProverAgentAccess
{
    public static RouteHandlerBuilder RequireProverAgent(this RouteHandlerBuilder route) =>
        route.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            if (http.User.IsInRole(BearerTokenHandler.ProverAgentRole))
            {
                return await next(context);
            }
            if (string.IsNullOrEmpty(http.Request.Headers.Authorization))
            {
                http.Response.Headers.WWWAuthenticate = "Bearer";
                return Results.Problem(title: "Authentication required",
                    detail: "Only the platform's own prover agents may ask this: send 'Authorization: Bearer <token>' with a prover agent token (Hosting:Portal:ProverAgentTokens).",
                    statusCode: StatusCodes.Status401Unauthorized);
            }
            return Results.Problem(title: "Forbidden",
                detail: "The bearer token is not one of the platform's prover agent tokens (Hosting:Portal:ProverAgentTokens); tenant and admin tokens do not reach this either.",
                statusCode: StatusCodes.Status403Forbidden);
        }).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);
}
