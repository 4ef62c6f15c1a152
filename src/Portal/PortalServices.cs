using Hosting.Portal.Access;
using Hosting.Portal.Chain;
using Hosting.Portal.Delegators;
using Hosting.Portal.Pages;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Hosting.Portal;

/// <summary>What the portal needs in either host: problem details, OpenAPI, bearer tokens and their policies.</summary>
public static class PortalServices
{
    public static IServiceCollection AddPortal(this IServiceCollection services, PortalOptions options)
    {
        if (options.Validate() is { Count: > 0 } errors)
        {
            throw new InvalidOperationException("Invalid portal configuration:\n  - " + string.Join("\n  - ", errors));
        }
        services.AddSingleton(options);
        if (options.DataProtectionKeysDirectory is { Length: > 0 } keys)
        {
            // One key ring and one application name for every instance: what one portal encrypts, the others read.
            services.AddDataProtection()
                .SetApplicationName("hosting-portal")
                .PersistKeysToFileSystem(new DirectoryInfo(keys));
        }
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
            })
            .AddCookie(DelegatorPages.CookieScheme, o =>
            {
                // The cookie holds only the signed-in address, encrypted by data protection; it lasts as long as
                // the EIP-4361 message's Expiration Time (set at sign-in), never sliding past it.
                o.LoginPath = "/delegator/sign-in";
                o.Cookie.Name = "hosting.delegator";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = Microsoft.AspNetCore.Http.SameSiteMode.Strict;
                o.SlidingExpiration = false;
                o.ExpireTimeSpan = SiweVerifier.MaxLifetime;
                o.Events.OnRedirectToLogin = context =>
                {
                    // The page's script calls these: an expired sign-in is a 401 it can show, not a redirect to HTML.
                    if (context.Request.Path.StartsWithSegments("/delegator/calls") || context.Request.Path.StartsWithSegments("/delegator/transactions"))
                    {
                        context.Response.StatusCode = Microsoft.AspNetCore.Http.StatusCodes.Status401Unauthorized;
                        return Task.CompletedTask;
                    }
                    context.Response.Redirect(context.RedirectUri);
                    return Task.CompletedTask;
                };
            });
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(new PortalL1(null));
        services.AddSingleton<ISiweNonces, ClusterSiweNonces>();
        services.AddRateLimiter(limiter => limiter.AddPolicy(SiweNonceRateLimit.Policy, new SiweNonceRateLimit(options)));
        services.AddSingleton<SiweVerifier>();
        services.AddSingleton<IAuthorizationHandler, TenantAccessRequirement>();
        services.AddAuthorizationBuilder()
            .AddPolicy(TenantAccessRequirement.Policy, p => p.RequireAuthenticatedUser().AddRequirements(new TenantAccessRequirement()))
            .AddPolicy(TenantAccessRequirement.AdminPolicy, p => p.RequireRole(BearerTokenHandler.AdminRole))
            .AddPolicy(OperatorPages.Policy, p => p.AddAuthenticationSchemes(OperatorPages.CookieScheme).RequireClaim(BearerTokenHandler.TenantClaim))
            .AddPolicy(DelegatorPages.Policy, p => p.AddAuthenticationSchemes(DelegatorPages.CookieScheme).RequireClaim(DelegatorPages.AddressClaim));
        return services;
    }
}
