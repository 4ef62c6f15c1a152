using Hosting.Contracts.Telemetry;

namespace Hosting.Signing;

/// <summary>
/// A backend answered but the answer cannot be used (no backend configured for the key, a signature by
/// another key, a non-canonical one). Nothing was signed or recorded.
/// </summary>
public sealed class KeyBackendFailedException(SigningBackend backend, string message, Exception? innerException = null)
    : KeyBackendException(backend, message, innerException);
