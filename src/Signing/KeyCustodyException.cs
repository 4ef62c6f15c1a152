using Hosting.Contracts.Domain;

namespace Hosting.Signing;

/// <summary>A custody action (register, stop, resume, watermark, delete) was refused: the key is unknown or another tenant's. Audited; nothing changed.</summary>
public sealed class KeyCustodyException(SigningRefusal refusal, Address key, string message) : Exception(message)
{
    /// <summary>Why: <see cref="SigningRefusal.UnknownKey"/> or <see cref="SigningRefusal.TenantMismatch"/>.</summary>
    public SigningRefusal Refusal { get; } = refusal;
    /// <summary>The key the action named.</summary>
    public Address Key { get; } = key;
}
