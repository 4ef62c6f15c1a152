using Hosting.Contracts.Telemetry;

namespace Hosting.Signing.AzureKeyVault;

/// <summary>
/// Azure Key Vault (or Managed HSM) refused or failed a call. Carries the HTTP status, the vault's error code and
/// the key; never a token. Nothing was signed.
/// </summary>
public sealed class KeyVaultException(VaultError error, int status, string? errorCode, string message, Exception? innerException = null)
    : KeyBackendException(SigningBackend.AzureKeyVault, message, innerException)
{
    /// <summary>The class of failure, as the platform metric counts it.</summary>
    public VaultError Error { get; } = error;

    /// <summary>The HTTP status of the last attempt; 0 when no response came (timeout, connection refused).</summary>
    public int Status { get; } = status;

    /// <summary>The vault's error.code (e.g. Forbidden, KeyNotFound, Throttled), when it sent one.</summary>
    public string? ErrorCode { get; } = errorCode;
}
