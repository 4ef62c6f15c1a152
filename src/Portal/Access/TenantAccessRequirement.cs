using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;

namespace Hosting.Portal.Access;

/// <summary>The caller is the platform admin, or holds a token of the tenant named in the route's {tenantId}.</summary>
public sealed class TenantAccessRequirement : AuthorizationHandler<TenantAccessRequirement>, IAuthorizationRequirement
{
    public const string Policy = "tenant";
    public const string AdminPolicy = "platform-admin";

    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, TenantAccessRequirement requirement)
    {
        if (context.User.IsInRole(BearerTokenHandler.AdminRole))
        {
            context.Succeed(requirement);
        }
        else if (context.Resource is HttpContext http
            && http.Request.RouteValues.TryGetValue("tenantId", out var routeTenant)
            && context.User.FindFirst(BearerTokenHandler.TenantClaim)?.Value is { } tenant
            && string.Equals(tenant, routeTenant as string, StringComparison.Ordinal))
        {
            context.Succeed(requirement);
        }
        return Task.CompletedTask;
    }
}
