using Hosting.Portal.Access;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection;

namespace Hosting.Portal;

/// <summary>What the portal needs in either host: problem details, OpenAPI, bearer tokens and their policies.</summary>
public static class PortalServices
{
    public static IServiceCollection AddPortal(this IServiceCollection services, PortalOptions options)
    {
        services.AddSingleton(options);
        services.AddProblemDetails();
        services.AddOpenApi("v1");
        services.AddAuthentication(BearerTokenHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, BearerTokenHandler>(BearerTokenHandler.SchemeName, null);
        services.AddSingleton<IAuthorizationHandler, TenantAccessRequirement>();
        services.AddAuthorizationBuilder()
            .AddPolicy(TenantAccessRequirement.Policy, p => p.RequireAuthenticatedUser().AddRequirements(new TenantAccessRequirement()))
            .AddPolicy(TenantAccessRequirement.AdminPolicy, p => p.RequireRole(BearerTokenHandler.AdminRole));
        return services;
    }
}
