using Hosting.Contracts.Domain;
using Hosting.Contracts.Telemetry;

namespace Hosting.Signing;

/// <summary>
/// A signature the gate released, exactly as its safety record holds it.
/// <paramref name="Repeated"/> is true when the same payload had been signed before (by this or another
/// silo) and the stored signature was returned instead of signing again. <paramref name="Prover"/> is the prover a
/// commitment authorisation names, null for a proposal.
/// </summary>
public sealed record SignedDuty(
    Address Sequencer,
    ulong Slot,
    Duty Duty,
    Hash32 PayloadHash,
    Signature Signature,
    bool Repeated,
    string SignerNode,
    DateTimeOffset SignedAt,
    Address? Prover = null);
