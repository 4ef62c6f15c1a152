namespace Hosting.Portal.Access;

/// <summary>The portal's settings, section "Hosting:Portal".</summary>
public sealed class PortalOptions
{
    public const string Section = "Hosting:Portal";

    /// <summary>The devnet's well-known platform-admin token; production must set its own.</summary>
    public const string DevnetAdminToken = "devnet-admin-token";

    /// <summary>The platform administrator's bearer token: creates tenants and issues their tokens.</summary>
    public string? AdminToken { get; set; }
}
