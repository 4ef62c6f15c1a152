using Azure.Core.Pipeline;

namespace Hosting.Signing.AzureKeyVault;

/// <summary>How the Key Vault backend calls the vault.</summary>
public sealed class KeyVaultOptions
{
    /// <summary>
    /// The Key Vault REST api-version sent with every call. 7.4 is the GA version whose sign and get-key contracts
    /// (ES256K, P-256K JWK) this backend is written and tested against; Managed HSM accepts it too.
    /// </summary>
    public string ApiVersion { get; set; } = "7.4";

    /// <summary>Retries after 408, 429, 500, 502, 503, 504 and network errors, honouring Retry-After.</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>The first retry delay (exponential back-off after it) when the vault sends no Retry-After.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(400);

    /// <summary>The longest wait between retries.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(4);

    /// <summary>How long one attempt may take.</summary>
    public TimeSpan NetworkTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// When true (the default) a 401 challenge's resource must be a domain the vault's host belongs to, so a
    /// rogue endpoint cannot obtain a token for another resource. Only tests on localhost turn it off.
    /// </summary>
    public bool VerifyChallengeResource { get; set; } = true;

    /// <summary>
    /// The vault (or Managed HSM) new keys are generated in, e.g. https://acme.vault.azure.net/; null: the backend
    /// only signs with keys registered by their URL and generates none.
    /// </summary>
    public Uri? VaultUri { get; set; }

    /// <summary>The key type of generated keys: EC-HSM (HSM-protected; a premium vault or Managed HSM) or EC (software-protected).</summary>
    public string GeneratedKeyType { get; set; } = "EC-HSM";

    /// <summary>
    /// When true, a generated key that custody destroys is also purged from the vault's soft-deleted keys
    /// (<c>DELETE deletedkeys/{name}</c>; needs the keys/purge permission and a vault without purge protection), so it
    /// cannot be recovered and its name can be generated again. Off by default: a soft-deleted key stays recoverable
    /// by the vault's owner until the vault's retention period ends.
    /// </summary>
    public bool PurgeDeletedKeys { get; set; }

    /// <summary>How long a purge waits for the vault to finish deleting the key (it answers 409 meanwhile).</summary>
    public TimeSpan PurgeWait { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The HTTP transport; null uses Azure.Core's default. Tests pass one that trusts their certificate.</summary>
    public HttpPipelineTransport? Transport { get; set; }
}
