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

/// <summary>
/// A key was offered for one purpose while custody holds it live for the other (a sequencer key as a publisher
/// account, or the reverse). Audited; nothing changed: one key never signs both duties and L1 transactions.
/// </summary>
public sealed class KeyPurposeConflictException(Address key, KeyPurpose held, string message) : InvalidOperationException(message)
{
    /// <summary>The key the action named.</summary>
    public Address Key { get; } = key;

    /// <summary>What custody holds it for.</summary>
    public KeyPurpose Held { get; } = held;
}
