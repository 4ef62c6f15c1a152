using System.Numerics;
using Hosting.Contracts.Domain;

namespace Hosting.Contracts.Slots;

/// <summary>
/// Who should propose in a slot, known LAG slots ahead from its seed: the best hosted sequencer (if any is
/// active), its network-wide rank, and the network's leader.
/// </summary>
[GenerateSerializer, Immutable, Alias("hosting.slot-forecast")]
public sealed record SlotForecast(
    [property: Id(0)] ulong Slot,
    [property: Id(1)] Hash32 Seed,
    [property: Id(2)] int ActiveCount,
    [property: Id(3)] Address? Candidate,
    [property: Id(4)] string? Tenant,
    [property: Id(5)] BigInteger CandidateScore,
    [property: Id(6)] int CandidateRank,
    [property: Id(7)] Address? Leader)
{
    /// <summary>The slot is ours to propose: a hosted sequencer ranks first among the eligible.</summary>
    public bool Wins => Candidate is not null && CandidateRank == 1;
}
