namespace Hosting.Signing;

/// <summary>A request the gate cannot even consider (empty tenant, not an EIP-712 payload…); nothing was signed.</summary>
public sealed class SigningRequestException(string message) : Exception(message);
