using Hosting.Contracts.Domain;
using Hosting.Contracts.Telemetry;

namespace Hosting.Signing;

/// <summary>
/// The gate refused a request; nothing was signed. The message names the values that decided it
/// (both payload hashes for a conflict, the watermark, the owning tenant…); <see cref="Refusal"/> says which rule.
/// </summary>
public sealed class SigningRefusedException : Exception
{
    internal SigningRefusedException(SigningRefusal refusal, Address sequencer, ulong slot, Duty duty, string detail, Exception? innerException = null)
        : base($"Signing {DutyNames.Of(duty)} for {sequencer} at slot {slot} refused ({refusal.Code()}): {detail}.", innerException)
    {
        Refusal = refusal;
        Sequencer = sequencer;
        Slot = slot;
        Duty = duty;
        Detail = detail;
    }

    /// <summary>Which rule refused.</summary>
    public SigningRefusal Refusal { get; }
    /// <summary>The key that was asked to sign.</summary>
    public Address Sequencer { get; }
    /// <summary>The slot of the duty.</summary>
    public ulong Slot { get; }
    /// <summary>The duty asked for.</summary>
    public Duty Duty { get; }

    /// <summary>What decided the refusal, as recorded in the audit trail.</summary>
    public string Detail { get; }

    /// <summary>For <see cref="SigningRefusal.ConflictingPayload"/>: the hash already signed for this duty.</summary>
    public Hash32? SignedPayloadHash { get; internal init; }

    /// <summary>For <see cref="SigningRefusal.ConflictingPayload"/>: the hash this request asked to sign.</summary>
    public Hash32? RequestedPayloadHash { get; internal init; }
}
