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

/// <summary>Whether a quote was kept, and why not (<see cref="Refusal"/> says which kind of no, for the HTTP status).</summary>
[GenerateSerializer, Immutable, Alias("hosting.quote-answer")]
public sealed record QuoteAnswer(
    [property: Id(0)] bool Accepted,
    [property: Id(1)] string Reason,
    [property: Id(2)] QuoteRefusal Refusal = QuoteRefusal.None);

/// <summary>Why a slot refused a quote.</summary>
public enum QuoteRefusal
{
    None = 0,

    /// <summary>The quote names another slot than the one it was sent to.</summary>
    WrongSlot = 1,

    /// <summary>The platform has no duty in the slot (not forecast, or no hosted sequencer leads it).</summary>
    SlotNotOurs = 2,

    /// <summary>The slot is ours but takes no more quotes (its prover is chosen, or its phase is past).</summary>
    Closed = 3,

    /// <summary>Unsigned, or signed by someone else than the prover it names.</summary>
    BadSignature = 4,

    /// <summary>The quote expires before the slot's Commitment phase starts.</summary>
    Expired = 5,
}

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
