using Hosting.Contracts.Telemetry;

namespace Hosting.Signing;

/// <summary>Why the gate refused to sign; stored in the audit trail as snake_case text.</summary>
public enum SigningRefusal
{
    /// <summary>A different payload is already signed for this sequencer, slot and duty.</summary>
    ConflictingPayload,

    /// <summary>The key belongs to another tenant than the one asking.</summary>
    TenantMismatch,

    /// <summary>No key is registered for the sequencer.</summary>
    UnknownKey,

    /// <summary>The key is stopped by an operator.</summary>
    KeyStopped,

    /// <summary>The key is deleted; its history stays.</summary>
    KeyDeleted,

    /// <summary>An emergency stop holds for the tenant or for every tenant.</summary>
    EmergencyStop,

    /// <summary>The slot is at or below the key's low watermark.</summary>
    AtOrBelowWatermark,

    /// <summary>The safety record could not be read or committed (database unreachable), so nothing was signed.</summary>
    SafetyRecordUnavailable,

    /// <summary>
    /// The slot already has <see cref="SigningGateOptions.MaxCommitmentAuthorisationsPerSlot"/> commitment
    /// authorisations (one per prover); no further fallback prover is authorised.
    /// </summary>
    ProverLimitReached,
}

internal static class SigningRefusals
{
    public static string Code(this SigningRefusal refusal) => refusal switch
    {
        SigningRefusal.ConflictingPayload => "conflicting_payload",
        SigningRefusal.TenantMismatch => "tenant_mismatch",
        SigningRefusal.UnknownKey => "unknown_key",
        SigningRefusal.KeyStopped => "key_stopped",
        SigningRefusal.KeyDeleted => "key_deleted",
        SigningRefusal.EmergencyStop => "emergency_stop",
        SigningRefusal.AtOrBelowWatermark => "at_or_below_watermark",
        SigningRefusal.SafetyRecordUnavailable => "safety_record_unavailable",
        SigningRefusal.ProverLimitReached => "prover_limit_reached",
        _ => throw new ArgumentOutOfRangeException(nameof(refusal), refusal, "not a refusal the gate knows"),
    };

    /// <summary>The refusal a stored code stands for, or null when <paramref name="code"/> is not one.</summary>
    public static SigningRefusal? ParseCode(string code) => code switch
    {
        "conflicting_payload" => SigningRefusal.ConflictingPayload,
        "tenant_mismatch" => SigningRefusal.TenantMismatch,
        "unknown_key" => SigningRefusal.UnknownKey,
        "key_stopped" => SigningRefusal.KeyStopped,
        "key_deleted" => SigningRefusal.KeyDeleted,
        "emergency_stop" => SigningRefusal.EmergencyStop,
        "at_or_below_watermark" => SigningRefusal.AtOrBelowWatermark,
        "safety_record_unavailable" => SigningRefusal.SafetyRecordUnavailable,
        "prover_limit_reached" => SigningRefusal.ProverLimitReached,
        _ => null,
    };

    /// <summary>
    /// The platform metric's reason. The metric catalogue has no value for emergency stops and watermarks yet,
    /// so they count as an inactive key and an out-of-window slot: the same operator response in each pair. A slot
    /// that has used up its fallback provers counts as out of window too: its commitment window is spent.
    /// </summary>
    public static RefusalReason MetricReason(this SigningRefusal refusal) => refusal switch
    {
        SigningRefusal.ConflictingPayload => RefusalReason.ConflictingPayload,
        SigningRefusal.TenantMismatch => RefusalReason.TenantMismatch,
        SigningRefusal.UnknownKey => RefusalReason.UnknownKey,
        SigningRefusal.SafetyRecordUnavailable => RefusalReason.SafetyRecordUnavailable,
        SigningRefusal.AtOrBelowWatermark or SigningRefusal.ProverLimitReached => RefusalReason.OutsideWindow,
        SigningRefusal.KeyStopped or SigningRefusal.KeyDeleted or SigningRefusal.EmergencyStop => RefusalReason.KeyInactive,
        _ => throw new ArgumentOutOfRangeException(nameof(refusal), refusal, "not a refusal the gate knows"),
    };
}
