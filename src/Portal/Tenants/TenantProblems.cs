using Microsoft.AspNetCore.Http;

namespace Hosting.Portal.Tenants;

/// <summary>The problem details every tenant-scoped endpoint answers with when the tenant in the path does not exist.</summary>
internal static class TenantProblems
{
    /// <summary>404, naming the tenant id that was asked for.</summary>
    public static IResult Unknown(string tenantId) =>
        Results.Problem(title: "Unknown tenant", detail: $"No tenant has the id '{tenantId}'.", statusCode: StatusCodes.Status404NotFound);
}
