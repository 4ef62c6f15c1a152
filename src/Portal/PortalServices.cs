using Hosting.Portal.Access;
using Hosting.Portal.Pages;
using Microsoft.AspNetCore.Server.Kestrel.Core;
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
        services.AddAntiforgery(o => o.Cookie.Name = "hosting.antiforgery");
        services.AddOpenApi("v1");
        services.Configure<KestrelServerOptions>(o => o.Limits.MaxRequestBodySize = RequestBody.Limit);
        services.AddAuthentication(BearerTokenHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, BearerTokenHandler>(BearerTokenHandler.SchemeName, null)
            .AddCookie(OperatorPages.CookieScheme, o =>
            {
                o.LoginPath = "/operator/sign-in";
                o.Cookie.Name = "hosting.operator";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = Microsoft.AspNetCore.Http.SameSiteMode.Strict;
                o.SlidingExpiration = true;
                o.ExpireTimeSpan = TimeSpan.FromHours(8);
            });
        services.AddSingleton<IAuthorizationHandler, TenantAccessRequirement>();
        services.AddAuthorizationBuilder()
            .AddPolicy(TenantAccessRequirement.Policy, p => p.RequireAuthenticatedUser().AddRequirements(new TenantAccessRequirement()))
            .AddPolicy(TenantAccessRequirement.AdminPolicy, p => p.RequireRole(BearerTokenHandler.AdminRole))
            .AddPolicy(OperatorPages.Policy, p => p.AddAuthenticationSchemes(OperatorPages.CookieScheme).RequireClaim(BearerTokenHandler.TenantClaim));
        return services;
    }
}
