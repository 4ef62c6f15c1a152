using Hosting.Contracts.Domain;

namespace Hosting.Grains.Election;

/// <summary>
/// How the hosted sequencers stand in one slot against every active sequencer of the network.
/// </summary>
/// <param name="Leader">The best active sequencer of the network, hosted or not; null when none is active.</param>
/// <param name="Hosted">Every hosted sequencer that is active, best first.</param>
/// <param name="HostedInactive">
/// Hosted sequencers the network does not count as active (not yet activated, or exited): they cannot propose,
/// so they get no score or rank and are listed here instead, in no particular order.
/// </param>
[GenerateSerializer, Immutable, Alias("hosting.election.slot-ranking")]
public sealed record SlotRanking(
    [property: Id(0)] ulong Slot,
    [property: Id(1)] Hash32 Seed,
    [property: Id(2)] int ActiveCount,
    [property: Id(3)] SlotLeader? Leader,
    [property: Id(4)] IReadOnlyList<HostedRank> Hosted,
    [property: Id(5)] IReadOnlyList<Address> HostedInactive);

/// <summary>A hosted sequencer's standing in a slot.</summary>
/// <param name="Rank">1 for the best score among all active sequencers of the network, 1 + how many score higher.</param>
[GenerateSerializer, Immutable, Alias("hosting.election.hosted-rank")]
public readonly record struct HostedRank(
    [property: Id(0)] Address Sequencer,
    [property: Id(1)] string TenantId,
    [property: Id(2)] Score Score,
    [property: Id(3)] int Rank);

/// <summary>The sequencer with the best score in a slot, and whether this silo's index hosts it.</summary>
[GenerateSerializer, Immutable, Alias("hosting.election.slot-leader")]
public readonly record struct SlotLeader(
    [property: Id(0)] Address Sequencer,
    [property: Id(1)] Score Score,
    [property: Id(2)] bool IsHosted);
