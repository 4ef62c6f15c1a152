using System.Numerics;
using Hosting.Contracts.Domain;

namespace Hosting.Contracts.L1;

/// <summary>The registry events the platform acts on (PROTOCOL.md, "Events").</summary>
public enum L1EventKind
{
    SequencerRegistered = 1,
    SequencerActivated = 2,
    ExitInitiated = 3,
    ExitFinalized = 4,
    Delegated = 5,
    Undelegated = 6,

    // Subject the delegator, Amount the total paid, Block the block it was paid in: every undelegation unlocked by then.
    UndelegatedWithdrawn = 7,

    // Subject the sequencer, Amount what the rollup credited to its side (withdrawer commission plus delegators).
    RewardCredited = 8,

    // The rollup's events of one slot, delivered to that slot's grain: Block is the slot, Subject the
    // sequencer (proposal) or prover, Counterparty the other one, Amount the score, bond or L2 block number,
    // Digest the block hash (or the archive for BlockFinalized).
    BlockProposed = 20,
    ProverCommitted = 21,
    BlockRevealed = 22,
    BlockFinalized = 23,
    BondSlashed = 24,
    BackupBlockFinalized = 25,
}

/// <summary>Where a log sits on L1: its block and its index there, which together name it once per branch.</summary>
[GenerateSerializer, Immutable, Alias("hosting.l1-position")]
public readonly record struct L1Position(
    [property: Id(0)] ulong BlockNumber,
    [property: Id(1)] Hash32 BlockHash,
    [property: Id(2)] ulong LogIndex)
{
    public override string ToString() => $"{BlockNumber}/{BlockHash}/{LogIndex}";
}

/// <summary>
/// A decoded registry event. <see cref="Subject"/> is the grain it concerns (the sequencer, or the
/// delegator for delegation events); <see cref="Counterparty"/> the withdrawer or the sequencer;
/// <see cref="Block"/> the block number the event names (activeFrom, exitableAt, unlockBlock), zero if none.
/// </summary>
[GenerateSerializer, Immutable, Alias("hosting.l1-event")]
public sealed record L1Event(
    [property: Id(0)] L1EventKind Kind,
    [property: Id(1)] L1Position Position,
    [property: Id(2)] Hash32 TransactionHash,
    [property: Id(3)] Address Subject,
    [property: Id(4)] Address Counterparty,
    [property: Id(5)] BigInteger Amount,
    [property: Id(6)] ulong Block,
    [property: Id(7)] Hash32 Digest = default)
{
    /// <summary>An event of the rollup (about one slot) rather than of the registry.</summary>
    public bool IsRollup => Kind >= L1EventKind.BlockProposed;

    public override string ToString() => $"{Kind}({Subject}, {Counterparty}, {Amount}, {Block}) at {Position}";
}

/// <summary>
/// What a consumer wants after it applied an event or a block: to be told again when the chain reaches
/// <see cref="WakeAtBlock"/> (an activation or exit unlock block), or nothing.
/// </summary>
[GenerateSerializer, Immutable, Alias("hosting.l1-reaction")]
public sealed record L1Reaction([property: Id(0)] ulong? WakeAtBlock)
{
    public static L1Reaction None { get; } = new((ulong?)null);

    public static L1Reaction WakeAt(ulong block) => new(block);
}
