using Azure.Core;

namespace Hosting.Signing.AzureKeyVault;

/// <summary>
/// A test seam for a host that wires the Key Vault backend from its settings (the silo): registered in the service
/// collection, it replaces the credential and adjusts the <see cref="KeyVaultOptions"/> when
/// <see cref="SigningServiceCollectionExtensions.AddAzureKeyVaultKeys"/>' backend is made, e.g. to reach a local fake
/// vault with its own certificate. No setting creates one: production silos never have it, and nothing here turns
/// certificate checks off; a test passes a transport that trusts exactly its own certificate.
/// </summary>
public sealed class KeyVaultBackendOverride
{
    /// <summary>The credential to use instead of the one the host made (null keeps the host's).</summary>
    public TokenCredential? Credential { get; init; }

    /// <summary>Changes to the host's options (transport, retries), applied before the backend is made.</summary>
    public Action<KeyVaultOptions>? Configure { get; init; }
}
