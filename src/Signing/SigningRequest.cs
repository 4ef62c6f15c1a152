using Hosting.Contracts.Domain;
using Hosting.Contracts.Telemetry;

namespace Hosting.Signing;

/// <summary>
/// One duty a sequencer key is asked to sign. <paramref name="Payload"/> is the EIP-712 signing input
/// <c>0x19 0x01 ‖ domainSeparator ‖ hashStruct(message)</c> (see <see cref="SigningPayload.Eip712"/>): the gate
/// hashes it itself, so the digest that is signed is always the one the safety record names.
/// </summary>
/// <param name="Tenant">The tenant whose context asks; a key of another tenant is refused.</param>
/// <param name="RequestedBy">Who asks, for the audit trail: a grain id, an operator, a test.</param>
/// <param name="Prover">
/// The prover a commitment authorisation names (required for that duty, null for a proposal): the gate keeps one
/// authorisation per (sequencer, slot, prover), so the proof-boost fallback can authorise a further prover.
/// </param>
/// <param name="MaxProvers">
/// The tenant's own bound on commitment authorisations per (sequencer, slot) (its prover policy), or null for the
/// platform's <see cref="SigningGateOptions.MaxCommitmentAuthorisationsPerSlot"/>, which stays the ceiling: the gate
/// applies the smaller of the two.
/// </param>
public sealed record SigningRequest(
    string Tenant,
    Address Sequencer,
    ulong Slot,
    Duty Duty,
    ReadOnlyMemory<byte> Payload,
    string RequestedBy,
    Address? Prover = null,
    int? MaxProvers = null);
