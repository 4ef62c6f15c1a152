using Azure.Core;
using Azure.Core.Pipeline;

namespace Hosting.Signing.AzureKeyVault;

/// <summary>
/// Bearer authentication the way Key Vault asks for it: the first request goes out without a token, the vault
/// answers 401 with <c>WWW-Authenticate: Bearer authorization="https://login…/{tenant}", resource="https://vault.azure.net"</c>
/// (or <c>scope=…</c>), and the token is requested for that resource and tenant. The scope and tenant are then
/// kept, so later requests carry a token from the start; BearerTokenAuthenticationPolicy caches and refreshes it.
/// </summary>
internal sealed class KeyVaultChallengePolicy(TokenCredential credential, bool verifyResource)
    : BearerTokenAuthenticationPolicy(credential, DefaultScope)
{
    private const string DefaultScope = "https://vault.azure.net/.default";
    private volatile Challenge? _challenge;

    protected override ValueTask AuthorizeRequestAsync(HttpMessage message) =>
        _challenge is { } known ? AuthenticateAndAuthorizeRequestAsync(message, known.Context(message)) : default;

    protected override void AuthorizeRequest(HttpMessage message)
    {
        if (_challenge is { } known)
        {
            AuthenticateAndAuthorizeRequest(message, known.Context(message));
        }
    }

    protected override async ValueTask<bool> AuthorizeRequestOnChallengeAsync(HttpMessage message)
    {
        if (Parse(message) is not { } challenge)
        {
            return false;
        }
        _challenge = challenge;
        await AuthenticateAndAuthorizeRequestAsync(message, challenge.Context(message)).ConfigureAwait(false);
        return true;
    }

    protected override bool AuthorizeRequestOnChallenge(HttpMessage message)
    {
        if (Parse(message) is not { } challenge)
        {
            return false;
        }
        _challenge = challenge;
        AuthenticateAndAuthorizeRequest(message, challenge.Context(message));
        return true;
    }

    private Challenge? Parse(HttpMessage message)
    {
        if (!message.Response.Headers.TryGetValue("WWW-Authenticate", out var header) || !header.TrimStart().StartsWith("Bearer", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in header.TrimStart()[6..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                parameters[part[..equals].Trim()] = part[(equals + 1)..].Trim().Trim('"');
            }
        }
        string? scope = parameters.TryGetValue("scope", out var given) ? given
            : parameters.TryGetValue("resource", out var resource) ? resource.TrimEnd('/') + "/.default"
            : null;
        if (scope is null || !Uri.TryCreate(scope, UriKind.Absolute, out var scopeUri))
        {
            throw new KeyVaultException(Contracts.Telemetry.VaultError.Unauthorised, 401, null,
                $"The vault at {message.Request.Uri.Host} sent a Bearer challenge without a usable resource or scope: '{header}'.");
        }
        var host = message.Request.Uri.Host ?? "";
        if (verifyResource && !host.EndsWith("." + scopeUri.Host, StringComparison.OrdinalIgnoreCase) && !host.Equals(scopeUri.Host, StringComparison.OrdinalIgnoreCase))
        {
            throw new KeyVaultException(Contracts.Telemetry.VaultError.Unauthorised, 401, null,
                $"The vault at {host} asked for a token for {scopeUri.Host}, a domain it does not belong to; no token was sent (set VerifyChallengeResource only for tests).");
        }
        string? tenant = null;
        if (parameters.TryGetValue("authorization", out var authority) || parameters.TryGetValue("authorization_uri", out authority))
        {
            tenant = Uri.TryCreate(authority, UriKind.Absolute, out var authorityUri) ? authorityUri.AbsolutePath.Trim('/').Split('/')[0] : null;
        }
        return new Challenge(scope, string.IsNullOrEmpty(tenant) ? null : tenant);
    }

    private sealed record Challenge(string Scope, string? Tenant)
    {
        public TokenRequestContext Context(HttpMessage message) => new([Scope], message.Request.ClientRequestId, tenantId: Tenant);
    }
}
