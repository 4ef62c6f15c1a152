using Hosting.Contracts.Domain;
using Hosting.Contracts.Telemetry;

namespace Hosting.Signing;

/// <summary>A registered sequencer key: who owns it, where it lives and whether it may sign.</summary>
/// <param name="KeyReference">Where the backend finds the key: a keystore id, an RFC 7512 pkcs11: URI or a Key Vault key URL.</param>
/// <param name="LowWatermark">New signatures at or below this slot are refused; null when none is set.</param>
/// <param name="Purpose">A sequencer's key (duties, through the gate) or a publisher account's (L1 transactions).</param>
public sealed record SigningKey(
    Address Address,
    string Tenant,
    SigningBackend Backend,
    string KeyReference,
    KeyStatus Status,
    ulong? LowWatermark,
    KeyPurpose Purpose = KeyPurpose.Sequencer);

/// <summary>What a key in custody signs. One key has one purpose: custody refuses to register it for the other.</summary>
public enum KeyPurpose
{
    /// <summary>A sequencer's key: signs proposals and commitment authorisations, only through the signing-safety gate.</summary>
    Sequencer,

    /// <summary>A publisher account's key: signs the L1 transactions its publisher grain sends (nonce-ordered, recorded before they leave).</summary>
    Publisher,
}

/// <summary>Whether a registered key may sign.</summary>
public enum KeyStatus
{
    /// <summary>Signs when the gate allows it.</summary>
    Active,

    /// <summary>Stopped by an operator; resuming makes it active again.</summary>
    Stopped,

    /// <summary>Deleted: never signs again unless imported anew; its history is kept.</summary>
    Deleted,
}

/// <summary>A deleted key removed from its backend, and what the backend did, in words (destroyed in the token; deleted and purged, or recoverable until a date, in a vault).</summary>
public sealed record DestroyedKey(SigningKey Key, string Outcome);

/// <summary>The stored names of backends and statuses, written out so the database never depends on C# member names.</summary>
public static class KeyNames
{
    /// <summary>The stored name of a backend.</summary>
    public static string Of(SigningBackend backend) => backend switch
    {
        SigningBackend.Keystore => "keystore",
        SigningBackend.Pkcs11 => "pkcs11",
        SigningBackend.AzureKeyVault => "azure_key_vault",
        _ => throw new ArgumentOutOfRangeException(nameof(backend), backend, "expected keystore, pkcs11 or azure_key_vault"),
    };

    /// <summary>The backend a stored name stands for.</summary>
    public static SigningBackend ParseBackend(string name) => name switch
    {
        "keystore" => SigningBackend.Keystore,
        "pkcs11" => SigningBackend.Pkcs11,
        "azure_key_vault" => SigningBackend.AzureKeyVault,
        _ => throw new FormatException($"'{name}' is not a key backend; expected keystore, pkcs11 or azure_key_vault."),
    };

    /// <summary>The stored name of a purpose.</summary>
    public static string Of(KeyPurpose purpose) => purpose switch
    {
        KeyPurpose.Sequencer => "sequencer",
        KeyPurpose.Publisher => "publisher",
        _ => throw new ArgumentOutOfRangeException(nameof(purpose), purpose, "expected sequencer or publisher"),
    };

    /// <summary>The purpose a stored name stands for.</summary>
    public static KeyPurpose ParsePurpose(string name) => name switch
    {
        "sequencer" => KeyPurpose.Sequencer,
        "publisher" => KeyPurpose.Publisher,
        _ => throw new FormatException($"'{name}' is not a key purpose; expected sequencer or publisher."),
    };

    /// <summary>The stored name of a status.</summary>
    public static string Of(KeyStatus status) => status switch
    {
        KeyStatus.Active => "active",
        KeyStatus.Stopped => "stopped",
        KeyStatus.Deleted => "deleted",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "expected active, stopped or deleted"),
    };

    /// <summary>The status a stored name stands for.</summary>
    public static KeyStatus ParseStatus(string name) => name switch
    {
        "active" => KeyStatus.Active,
        "stopped" => KeyStatus.Stopped,
        "deleted" => KeyStatus.Deleted,
        _ => throw new FormatException($"'{name}' is not a key status; expected active, stopped or deleted."),
    };
}
