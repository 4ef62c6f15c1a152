namespace Hosting.Signing;

/// <summary>
/// The signing-safety gate: the only way a sequencer key signs a duty. A key never signs two different
/// payloads for one (sequencer, slot, duty) — for commitment authorisations one (sequencer, slot, prover), with a
/// bounded number of provers per slot; the record is committed before the signature is returned;
/// the same payload again returns the stored signature.
/// </summary>
public interface ISigningGate
{
    /// <summary>
    /// Signs <paramref name="request"/> or refuses it. Throws <see cref="SigningRefusedException"/> for a
    /// refusal (conflicting payload, other tenant, stopped key, watermark, database down…),
    /// <see cref="SigningRequestException"/> for a malformed request and a <see cref="KeyBackendException"/>
    /// when the key's backend fails; in every failure nothing was signed or recorded.
    /// </summary>
    Task<SignedDuty> SignAsync(SigningRequest request, CancellationToken cancellationToken = default);
}
