using Azure.Core;
using Azure.Identity;

namespace Hosting.Silo.Configuration;

/// <summary>
/// Azure Key Vault or Managed HSM for tenant keys (section Hosting:Keys:KeyVault). Set <see cref="VaultUrl"/> to
/// enable it: keys registered by their key URL sign through it, and keys are generated in that vault. The silo
/// authenticates with an Azure.Identity credential; no secret is a setting here.
/// </summary>
public sealed class KeyVaultKeysOptions
{
    public const string Section = "Hosting:Keys:KeyVault";

    /// <summary>The credentials the silo can use, by setting value.</summary>
    public static readonly IReadOnlyList<string> Credentials = ["Default", "ManagedIdentity", "WorkloadIdentity", "Environment", "AzureCli"];

    /// <summary>The vault new keys are generated in, e.g. https://acme.vault.azure.net/; empty leaves the backend off.</summary>
    public string? VaultUrl { get; set; }

    /// <summary>
    /// Which Azure.Identity credential signs the silo in: Default (DefaultAzureCredential's chain), ManagedIdentity,
    /// WorkloadIdentity (AKS), Environment (AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET or a certificate) or AzureCli.
    /// ManagedIdentity is the system-assigned identity; a user-assigned one goes through Default with AZURE_CLIENT_ID. Each reads its
    /// own standard environment, so no secret is a setting.
    /// </summary>
    public string Credential { get; set; } = "Default";

    /// <summary>The key type of generated keys: EC-HSM (HSM-protected: a premium vault or Managed HSM) or EC (software-protected).</summary>
    public string KeyType { get; set; } = "EC-HSM";

    /// <summary>
    /// Purge a generated key from the vault's soft-deleted keys when an operator deletes it (needs the keys/purge
    /// permission and no purge protection). Off by default: the vault keeps it recoverable until its retention ends.
    /// </summary>
    public bool PurgeDeletedKeys { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(VaultUrl);

    /// <summary>The vault's base URI (validated).</summary>
    public Uri VaultUri => new(VaultUrl!.TrimEnd('/') + "/");

    /// <summary>Every problem, each naming the setting.</summary>
    public IReadOnlyList<string> Validate(bool custodyConfigured)
    {
        var errors = new List<string>();
        if (!Enabled)
        {
            return errors;
        }
        if (!custodyConfigured)
        {
            errors.Add($"{Section} needs Hosting:Postgres:ConnectionString: vault keys are recorded in key custody and signed through the signing gate, both in PostgreSQL.");
        }
        if (!Uri.TryCreate(VaultUrl, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps || uri.AbsolutePath.Trim('/').Length > 0 || uri.Query.Length > 0)
        {
            errors.Add($"{Section}:VaultUrl must be a vault's https URL without a path, such as https://acme.vault.azure.net/, got '{VaultUrl}'.");
        }
        if (!Credentials.Contains(Credential))
        {
            errors.Add($"{Section}:Credential must be one of {string.Join(", ", Credentials)}, got '{Credential}'.");
        }
        if (KeyType is not ("EC-HSM" or "EC"))
        {
            errors.Add($"{Section}:KeyType must be EC-HSM or EC, got '{KeyType}'.");
        }
        return errors;
    }

    /// <summary>The Azure.Identity credential the settings name.</summary>
    public TokenCredential CreateCredential() => Credential switch
    {
        "ManagedIdentity" => new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned),
        "WorkloadIdentity" => new WorkloadIdentityCredential(),
        "Environment" => new EnvironmentCredential(),
        "AzureCli" => new AzureCliCredential(),
        _ => new DefaultAzureCredential(),
    };
}
