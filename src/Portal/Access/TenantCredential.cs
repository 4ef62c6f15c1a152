using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Hosting.Portal.Access;

/// <summary>
/// A tenant API token: <c>hst.&lt;tenant id&gt;.&lt;secret&gt;</c>. The tenant id in the token says which tenant's
/// grain holds its hash, so authentication needs no global index; the secret is 32 random bytes.
/// </summary>
public static partial class TenantCredential
{
    private const string Prefix = "hst.";

    /// <summary>Tenant ids: lower-case letters, digits and dashes, 1-40 characters, starting with a letter or digit.</summary>
    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,39}$")]
    public static partial Regex TenantIdPattern();

    /// <summary>A fresh token for <paramref name="tenantId"/> and the SHA-256 of its secret, which is all that is stored.</summary>
    public static (string Token, byte[] SecretHash) Create(string tenantId)
    {
        var secret = Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        return ($"{Prefix}{tenantId}.{secret}", Hash(secret));
    }

    /// <summary>Splits a presented token into its tenant and the hash of its secret; false when it is not one of ours.</summary>
    public static bool TryParse(string token, [NotNullWhen(true)] out string? tenantId, [NotNullWhen(true)] out byte[]? secretHash)
    {
        tenantId = null;
        secretHash = null;
        if (!token.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }
        var rest = token[Prefix.Length..];
        var dot = rest.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || dot == rest.Length - 1 || !TenantIdPattern().IsMatch(rest[..dot]))
        {
            return false;
        }
        tenantId = rest[..dot];
        secretHash = Hash(rest[(dot + 1)..]);
        return true;
    }

    private static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    private static string Base64UrlEncode(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
