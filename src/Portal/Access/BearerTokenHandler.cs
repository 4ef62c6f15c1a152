using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Hosting.Contracts.Tenants;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hosting.Portal.Access;

/// <summary>
/// Authenticates <c>Authorization: Bearer</c> with the platform admin token, a platform prover agent token or a
/// tenant token; a tenant token's principal carries its tenant id, which the "tenant" policy matches against the route.
/// </summary>
public sealed class BearerTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IGrainFactory grains,
    PortalOptions portal) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Bearer";
    public const string TenantClaim = "hosting:tenant";
    public const string AdminRole = "platform-admin";
    public const string ProverAgentRole = "prover-agent";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header))
        {
            return AuthenticateResult.NoResult();
        }
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.Fail("The Authorization header must be 'Bearer <token>'.");
        }
        var token = header["Bearer ".Length..].Trim();
        if (portal.AdminToken is { Length: > 0 } admin && FixedTimeEquals(token, admin))
        {
            return Success(new Claim(ClaimTypes.Role, AdminRole), new Claim(ClaimTypes.Name, "platform-admin"));
        }
        for (var i = 0; i < portal.ProverAgentTokens.Length; i++)
        {
            if (portal.ProverAgentTokens[i] is { Length: > 0 } agent && FixedTimeEquals(token, agent))
            {
                // Named by its position in the settings, so logs and traces never carry the token itself.
                return Success(new Claim(ClaimTypes.Role, ProverAgentRole), new Claim(ClaimTypes.Name, $"prover-agent/{i}"));
            }
        }
        if (!TenantCredential.TryParse(token, out var tenantId, out var secretHash))
        {
            return AuthenticateResult.Fail("The bearer token is not a token this portal issued.");
        }
        var issued = await grains.GetGrain<ITenantAccessGrain>(tenantId).AuthenticateAsync(secretHash);
        return issued is null
            ? AuthenticateResult.Fail("The bearer token is unknown or revoked.")
            : Success(new Claim(TenantClaim, tenantId), new Claim(ClaimTypes.Name, $"{tenantId}/{issued.Label}"));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Bearer";
        return WriteProblemAsync(StatusCodes.Status401Unauthorized, "Authentication required",
            "Send 'Authorization: Bearer <token>' with a token issued for your tenant.");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        WriteProblemAsync(StatusCodes.Status403Forbidden, "Forbidden",
            "Your token does not grant access to this resource: a tenant token reaches its own tenant only.");

    private AuthenticateResult Success(params Claim[] claims) =>
        AuthenticateResult.Success(new AuthenticationTicket(
            new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName)), SchemeName));

    private Task WriteProblemAsync(int status, string title, string detail)
    {
        Response.StatusCode = status;
        return Results.Problem(title: title, detail: detail, statusCode: status).ExecuteAsync(Context);
    }

    private static bool FixedTimeEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(a)), SHA256.HashData(Encoding.UTF8.GetBytes(b)));
}
