using Hosting.Contracts.Domain;
using Hosting.Signing;

namespace Hosting.Grains.Slots;

/// <summary>
/// Duties signed through the signing-safety gate: one record per (sequencer, slot, duty) — per (sequencer, slot,
/// prover) for commitment authorisations, so the proof-boost fallback can authorise a further prover — committed
/// before the signature leaves, so a failed-over slot grain gets the same signature back and never a second one.
/// </summary>
public sealed class GatedDutySigner(ISigningGate gate) : IDutySigner
{
    public async Task<Signature> SignAsync(DutyRequest request, CancellationToken cancellationToken = default)
    {
        using var activity = DutySpans.Start(request, "gate");
        var signed = await gate.SignAsync(
            new SigningRequest(request.Tenant, request.Sequencer, request.Slot, request.Duty, request.Payload, request.RequestedBy, request.Prover, request.MaxProvers),
            cancellationToken);
        return signed.Signature;
    }
}
