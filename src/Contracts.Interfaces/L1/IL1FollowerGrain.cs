using Hosting.Contracts.Domain;

namespace Hosting.Contracts.L1;

/// <summary>
/// The one L1 follower of the cluster (key <see cref="Key"/>): Orleans keeps a single activation, a grain
/// timer keeps it busy and a reminder re-activates it on another silo after a silo is lost.
/// </summary>
[Alias("hosting.l1-follower")]
public interface IL1FollowerGrain : IGrainWithStringKey
{
    public const string Key = "l1";

    /// <summary>
    /// Makes sure the follower runs and has it read L1 now (idempotent); silos call it at start and on every new
    /// head, so a head is followed when it is announced rather than at the next poll tick. One-way: the caller
    /// does not wait for the step and its deliveries.
    /// </summary>
    [Alias("poke"), Orleans.Concurrency.OneWay]
    Task PokeAsync();

    /// <summary>Where the follower stands.</summary>
    [Alias("get")]
    Task<L1FollowerView> GetAsync();

    /// <summary>
    /// The changes to the network's active sequencer set the follower delivered after <paramref name="after"/>
    /// in <paramref name="epoch"/>, which feed each silo's score index. <see cref="ActiveSetChanges.Complete"/>
    /// is false when the caller must resynchronise from the registry instead (first call, another follower
    /// activation, a reorg that removed an activation or exit, or a cursor older than the changes kept); the
    /// answer then says at which block to read the registry and where to continue. Read-only and interleaved,
    /// so a slot grain being forecast by the follower may ask it.
    /// </summary>
    [Alias("active-set-changes"), Orleans.Concurrency.AlwaysInterleave]
    Task<ActiveSetChanges> GetActiveSetChangesAsync(Guid epoch, long after);
}

/// <summary>One sequencer entering (<see cref="Active"/>) or leaving the network's active set at a block.</summary>
[GenerateSerializer, Immutable, Alias("hosting.active-set-change")]
public sealed record ActiveSetChange(
    [property: Id(0)] long Sequence,
    [property: Id(1)] ulong Block,
    [property: Id(2)] Address Sequencer,
    [property: Id(3)] bool Active);

/// <summary>
/// An answer of <see cref="IL1FollowerGrain.GetActiveSetChangesAsync"/>: when complete, the changes to apply in
/// order; otherwise read the registry's active set at <see cref="ThroughBlock"/> (latest when null) and continue
/// from <see cref="NextSequence"/> of <see cref="Epoch"/>.
/// </summary>
[GenerateSerializer, Immutable, Alias("hosting.active-set-changes")]
public sealed record ActiveSetChanges(
    [property: Id(0)] Guid Epoch,
    [property: Id(1)] bool Complete,
    [property: Id(2)] ulong? ThroughBlock,
    [property: Id(3)] long NextSequence,
    [property: Id(4)] IReadOnlyList<ActiveSetChange> Changes);

[GenerateSerializer, Immutable, Alias("hosting.l1-follower-view")]
public sealed record L1FollowerView(
    [property: Id(0)] bool Configured,
    [property: Id(1)] ulong? LastBlock,
    [property: Id(2)] Hash32? LastHash,
    [property: Id(3)] long EventsDelivered,
    [property: Id(4)] long EventsRemoved,
    [property: Id(5)] long Reorgs,
    [property: Id(6)] string? LastError,
    [property: Id(7)] string Silo);
