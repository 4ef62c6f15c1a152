using System.Numerics;
using Hosting.Contracts.Domain;

namespace Hosting.Contracts.Slots;

/// <summary>What one slot grain knows: the forecast, our proposal, the canonical one on L1, the prover and the outcome.</summary>
[GenerateSerializer, Immutable, Alias("hosting.slot-view")]
public sealed record SlotView(
    [property: Id(0)] ulong Slot,
    [property: Id(1)] SlotOutcome Outcome,
    [property: Id(2)] SlotForecast? Forecast,
    [property: Id(3)] Hash32? OurBlockHash,
    [property: Id(4)] Hash32? ProposalTransaction,
    [property: Id(5)] Address? CanonicalSequencer,
    [property: Id(6)] BigInteger CanonicalScore,
    [property: Id(7)] Address? ChosenProver,
    [property: Id(8)] Address? CommittedProver,
    [property: Id(9)] Hash32? RevealTransaction,
    [property: Id(10)] ulong? L2BlockNumber,
    [property: Id(11)] int Quotes,
    [property: Id(12)] string? LastError);
