using Hosting.Contracts.Telemetry;

namespace Hosting.Signing.Pkcs11;

/// <summary>What went wrong with the HSM.</summary>
public enum HsmProblem
{
    /// <summary>The PKCS#11 library file could not be loaded.</summary>
    LibraryMissing,

    /// <summary>No slot holds a token with the configured label (unplugged, not initialised, wrong label).</summary>
    TokenMissing,

    /// <summary>The user PIN was refused or the token is locked.</summary>
    LoginFailed,

    /// <summary>The token has no key with that label.</summary>
    KeyNotFound,

    /// <summary>The token already holds a key with the label a new key was to have.</summary>
    LabelTaken,

    /// <summary>Any other PKCS#11 failure; the message carries the return value.</summary>
    Failed,
}

/// <summary>
/// The PKCS#11 HSM could not sign or answer. The message names the library, token, key label and PKCS#11
/// return value; never the PIN. Nothing was signed.
/// </summary>
public sealed class HsmException(HsmProblem problem, string message, Exception? innerException = null)
    : KeyBackendException(SigningBackend.Pkcs11, message, innerException)
{
    /// <summary>What was wrong.</summary>
    public HsmProblem Problem { get; } = problem;
}
