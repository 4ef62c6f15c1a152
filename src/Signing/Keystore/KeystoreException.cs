using Hosting.Contracts.Telemetry;

namespace Hosting.Signing.Keystore;

/// <summary>What was wrong with a keystore or its use.</summary>
public enum KeystoreProblem
{
    /// <summary>The MAC did not match: the password is wrong (or the ciphertext was altered).</summary>
    WrongPassword,

    /// <summary>The JSON is not a Web3 Secret Storage v3 keystore, or a field is missing or malformed.</summary>
    Corrupt,

    /// <summary>A valid keystore using a KDF, cipher or parameter this signer does not support.</summary>
    Unsupported,

    /// <summary>The key is registered but has not been unlocked with its password in this process.</summary>
    Locked,

    /// <summary>The decrypted key is not the key the file or the registration says.</summary>
    AddressMismatch,
}

/// <summary>
/// A keystore could not be read, decrypted or used. The message names the keystore (id, address or file) and
/// what was wrong; never the password or any key material. Nothing was signed.
/// </summary>
public sealed class KeystoreException(KeystoreProblem problem, string message, Exception? innerException = null)
    : KeyBackendException(SigningBackend.Keystore, message, innerException)
{
    /// <summary>What was wrong.</summary>
    public KeystoreProblem Problem { get; } = problem;
}
