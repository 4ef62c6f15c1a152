namespace Hosting.Portal.Access;

/// <summary>The portal's settings, section "Hosting:Portal".</summary>
public sealed class PortalOptions
{
    public const string Section = "Hosting:Portal";

    /// <summary>The devnet's well-known platform-admin token; production must set its own.</summary>
    public const string DevnetAdminToken = "devnet-admin-token";

    /// <summary>The devnet's well-known prover agent token (what `./hosting devnet` gives its backup agent); production must set its own.</summary>
    public const string DevnetProverAgentToken = "devnet-prover-agent-token";

    /// <summary>The platform administrator's bearer token: creates tenants and issues their tokens.</summary>
    public string? AdminToken { get; set; }

    /// <summary>
    /// Bearer tokens of the platform's own prover agents (several, so one can be rotated while the next is in use):
    /// only they may ask whether to submit a backup block (<c>GET /api/v1/slots/{slot}/backup</c>), so a third
    /// party neither learns a tenant's verdict nor counts in <c>hosting.proofboost.backup_decisions</c>. Empty:
    /// every such question is refused.
    /// </summary>
    public string[] ProverAgentTokens { get; set; } = [];

    /// <summary>
    /// Reverse proxies (IP addresses) whose X-Forwarded-For/-Host/-Proto the portal believes. Empty (the default):
    /// those headers are ignored, since anyone could send them; the SIWE domain is then the request's own Host.
    /// </summary>
    public string[] KnownProxies { get; set; } = [];

    /// <summary>Networks (CIDR, e.g. 10.0.0.0/8) of reverse proxies to believe, as <see cref="KnownProxies"/>.</summary>
    public string[] KnownNetworks { get; set; } = [];

    /// <summary>SIWE nonces one client address may fetch per <see cref="NonceWindowSeconds"/> (a sign-in needs one).</summary>
    public int NoncePermitsPerWindow { get; set; } = 20;

    public int NonceWindowSeconds { get; set; } = 60;

    /// <summary>
    /// A directory every portal instance shares (a mounted volume) for the ASP.NET data-protection key ring, so
    /// antiforgery tokens and the sign-in and outcome cookies made by one instance are read by the others. Empty:
    /// each process keeps its own keys, and a load balancer needs session affinity for the cookies.
    /// </summary>
    public string? DataProtectionKeysDirectory { get; set; }

    /// <summary>Every setting that is wrong, each naming the setting and the value.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        for (var i = 0; i < KnownProxies.Length; i++)
        {
            if (!System.Net.IPAddress.TryParse(KnownProxies[i], out _))
            {
                errors.Add($"{Section}:KnownProxies:{i} must be an IP address, got '{KnownProxies[i]}'.");
            }
        }
        for (var i = 0; i < KnownNetworks.Length; i++)
        {
            if (!System.Net.IPNetwork.TryParse(KnownNetworks[i], out _))
            {
                errors.Add($"{Section}:KnownNetworks:{i} must be a network in CIDR form such as 10.0.0.0/8, got '{KnownNetworks[i]}'.");
            }
        }
        if (DataProtectionKeysDirectory is { Length: > 0 } keys && !Directory.Exists(keys))
        {
            errors.Add($"{Section}:DataProtectionKeysDirectory '{keys}' is not a directory.");
        }
        for (var i = 0; i < ProverAgentTokens.Length; i++)
        {
            // The value is a secret: the errors name the setting and its length, never the token.
            if (string.IsNullOrWhiteSpace(ProverAgentTokens[i]))
            {
                errors.Add($"{Section}:ProverAgentTokens:{i} is empty: give a prover agent token or remove the entry.");
            }
            else if (AdminToken is { Length: > 0 } admin && string.Equals(ProverAgentTokens[i], admin, StringComparison.Ordinal))
            {
                errors.Add($"{Section}:ProverAgentTokens:{i} is the platform-admin token: a prover agent needs a token of its own.");
            }
        }
        if (NoncePermitsPerWindow < 1)
        {
            errors.Add($"{Section}:NoncePermitsPerWindow must be at least 1, got {NoncePermitsPerWindow}.");
        }
        if (NonceWindowSeconds < 1)
        {
            errors.Add($"{Section}:NonceWindowSeconds must be at least 1, got {NonceWindowSeconds}.");
        }
        return errors;
    }
}
