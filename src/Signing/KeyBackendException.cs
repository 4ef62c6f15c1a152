using Hosting.Contracts.Telemetry;

namespace Hosting.Signing;

/// <summary>
/// A key backend (keystore, HSM, vault) failed or refused. Messages name the key and what went wrong,
/// never key material or passwords. When this escapes the gate nothing was signed or recorded.
/// </summary>
public abstract class KeyBackendException : Exception
{
    /// <summary>A failure of <paramref name="backend"/>; the message must name the key, never its material.</summary>
    protected KeyBackendException(SigningBackend backend, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Backend = backend;
    }

    /// <summary>The backend that failed.</summary>
    public SigningBackend Backend { get; }
}
