using Hosting.Contracts.Domain;
using Hosting.Contracts.Telemetry;

namespace Hosting.Contracts.Slots;

/// <summary>
/// Signs one sequencer's duties on a silo where its key can sign (keyed by the sequencer's address). A keystore
/// key is unlocked only in the processes that had its password, so a slot grain on another silo routes its duty
/// here; placement puts this grain on a silo that holds the key unlocked. The duty still goes through that silo's
/// signing-safety gate, so the rule (one signature per duty) is the same wherever it runs.
/// </summary>
[Alias("hosting.key-signer")]
public interface IKeySignerGrain : IGrainWithStringKey
{
    [Alias("sign")]
    Task<KeySigningResult> SignAsync(KeySigningRequest request);
}

/// <summary>A duty to sign: the fields of the slot pipeline's duty request (the prover for a commitment authorisation).</summary>
[GenerateSerializer, Immutable, Alias("hosting.key-signing-request")]
public sealed record KeySigningRequest(
    [property: Id(0)] string Tenant,
    [property: Id(1)] Address Sequencer,
    [property: Id(2)] ulong Slot,
    [property: Id(3)] Duty Duty,
    [property: Id(4)] byte[] Payload,
    [property: Id(5)] string RequestedBy,
    [property: Id(6)] Address? Prover = null,
    [property: Id(7)] int? MaxProvers = null);

/// <summary>
/// The signature, or why there is none: the error's type name and message as the signing silo saw them
/// (refusals and key errors stay readable without shipping exception types across silos).
/// </summary>
[GenerateSerializer, Immutable, Alias("hosting.key-signing-result")]
public sealed record KeySigningResult(
    [property: Id(0)] Signature? Signature,
    [property: Id(1)] string? ErrorType,
    [property: Id(2)] string? Error,
    [property: Id(3)] string Silo);
