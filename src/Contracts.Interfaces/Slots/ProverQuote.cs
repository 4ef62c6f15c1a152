using System.Numerics;
using Hosting.Contracts.Domain;

namespace Hosting.Contracts.Slots;

/// <summary>
/// A prover's offer to prove a slot's block (PROTOCOL.md, "proof-boost"): its fee, the bond it will post and
/// the last L1 block the offer holds. <see cref="Signature"/> is the prover's EIP-191 signature over the
/// quote's text (Hosting.Grains.Slots.QuoteText); a quote it does not recover to the prover is refused.
/// </summary>
[GenerateSerializer, Immutable, Alias("hosting.prover-quote")]
public sealed record ProverQuote(
    [property: Id(0)] ulong Slot,
    [property: Id(1)] Address Prover,
    [property: Id(2)] BigInteger Fee,
    [property: Id(3)] BigInteger Bond,
    [property: Id(4)] ulong ExpiryBlock,
    [property: Id(5)] Signature? Signature = null);

/// <summary>Whether a quote was kept, and why not.</summary>
[GenerateSerializer, Immutable, Alias("hosting.quote-answer")]
public sealed record QuoteAnswer([property: Id(0)] bool Accepted, [property: Id(1)] string Reason);

/// <summary>
/// The canonical sequencer's EIP-712 ProverCommitment signature for one prover: what the prover passes to
/// commitProver(slot, prover, bond, signature).
/// </summary>
[GenerateSerializer, Immutable, Alias("hosting.commitment-authorisation")]
public sealed record CommitmentAuthorisation(
    [property: Id(0)] ulong Slot,
    [property: Id(1)] Address Sequencer,
    [property: Id(2)] Address Prover,
    [property: Id(3)] Hash32 BlockHash,
    [property: Id(4)] BigInteger Bond,
    [property: Id(5)] Signature Signature);
