using Hosting.Contracts.Domain;
using Hosting.Contracts.Telemetry;

namespace Hosting.Grains.Slots;

/// <summary>
/// The slot pipeline's one way to get a sequencer's duty signed. <paramref name="Payload"/> is the EIP-712
/// signing input <c>0x19 0x01 ‖ domainSeparator ‖ structHash</c>, the shape the signing-safety gate records,
/// so the gate plugs in behind this interface unchanged (<see cref="GatedDutySigner"/>). <paramref name="Prover"/> is the
/// prover a commitment authorisation names (the gate keeps one per sequencer, slot and prover); null for a proposal.
/// </summary>
/// <param name="MaxProvers">The tenant's bound on commitment authorisations per slot (its prover policy), or null for the platform's.</param>
public sealed record DutyRequest(string Tenant, Address Sequencer, ulong Slot, Duty Duty, byte[] Payload, string RequestedBy, Address? Prover = null, int? MaxProvers = null);

public interface IDutySigner
{
    /// <summary>Signs the duty or throws; an identical request again gives the same signature.</summary>
    Task<Signature> SignAsync(DutyRequest request, CancellationToken cancellationToken = default);
}
