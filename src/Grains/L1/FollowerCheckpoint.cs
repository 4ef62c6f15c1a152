using System.Globalization;
using System.Numerics;
using Hosting.Contracts.Domain;
using Hosting.Contracts.L1;

namespace Hosting.Grains.L1;

/// <summary>
/// Where the follower stands, persisted after every step (and, with its blocks marked unfinished, before a step's
/// events are delivered): the next block to read, the last blocks with the events they carried (so a reorg undoes
/// exactly those) and the activations still to confirm.
/// Held as text and numbers because stored state is JSON.
/// </summary>
[GenerateSerializer, Alias("hosting.follower-checkpoint.v1")]
public sealed record FollowerCheckpoint
{
    [Id(0)] public ulong? NextBlock { get; init; }
    [Id(1)] public List<TrackedBlock> Recent { get; init; } = [];
    [Id(2)] public List<ScheduledActivation> Schedule { get; init; } = [];
    [Id(3)] public Dictionary<string, ulong> Wakes { get; init; } = [];
    [Id(4)] public long Delivered { get; init; }
    [Id(5)] public long Removed { get; init; }
    [Id(6)] public long Reorgs { get; init; }

    /// <summary>The last slot the slot clock forecast (asked its grain whether a hosted sequencer leads).</summary>
    [Id(7)] public ulong? ForecastThrough { get; init; }

    /// <summary>
    /// The events a step was removing when it stopped (a consumer failed, the silo died): removed again first on the
    /// next step. Consumers ignore a removal of what they do not hold.
    /// </summary>
    [Id(8)] public List<StoredEvent> Unremoved { get; init; } = [];
}

[GenerateSerializer, Alias("hosting.tracked-block.v1")]
public sealed record TrackedBlock
{
    [Id(0)] public ulong Number { get; init; }
    [Id(1)] public string Hash { get; init; } = "";
    [Id(2)] public List<StoredEvent> Events { get; init; } = [];

    /// <summary>
    /// Its events were being delivered when the step stopped. Read again, the block is delivered again if it still
    /// stands, and its events are removed if a reorg took it away, as for any block kept.
    /// </summary>
    [Id(3)] public bool Unfinished { get; init; }
}

/// <summary>A registration whose activation block is still ahead (or inside the reorg window).</summary>
[GenerateSerializer, Alias("hosting.scheduled-activation.v1")]
public sealed record ScheduledActivation
{
    [Id(0)] public string Sequencer { get; init; } = "";
    [Id(1)] public ulong ActiveFrom { get; init; }
    [Id(2)] public string RegistrationBlockHash { get; init; } = "";
    [Id(3)] public ulong RegistrationLogIndex { get; init; }
}

[GenerateSerializer, Alias("hosting.stored-event.v1")]
public sealed record StoredEvent
{
    [Id(0)] public int Kind { get; init; }
    [Id(1)] public ulong BlockNumber { get; init; }
    [Id(2)] public string BlockHash { get; init; } = "";
    [Id(3)] public ulong LogIndex { get; init; }
    [Id(4)] public string Transaction { get; init; } = "";
    [Id(5)] public string Subject { get; init; } = "";
    [Id(6)] public string Counterparty { get; init; } = "";
    [Id(7)] public string Amount { get; init; } = "0";
    [Id(8)] public ulong Block { get; init; }
    [Id(9)] public string Digest { get; init; } = "";

    public static StoredEvent From(L1Event e) => new()
    {
        Kind = (int)e.Kind,
        BlockNumber = e.Position.BlockNumber,
        BlockHash = e.Position.BlockHash.ToString(),
        LogIndex = e.Position.LogIndex,
        Transaction = e.TransactionHash.ToString(),
        Subject = e.Subject.ToString(),
        Counterparty = e.Counterparty.ToString(),
        Amount = e.Amount.ToString(CultureInfo.InvariantCulture),
        Block = e.Block,
        Digest = e.Digest.ToString(),
    };

    public L1Event ToEvent() => new(
        (L1EventKind)Kind,
        new L1Position(BlockNumber, Hash32.Parse(BlockHash), LogIndex),
        Hash32.Parse(Transaction),
        Address.Parse(Subject),
        Address.Parse(Counterparty),
        BigInteger.Parse(Amount, CultureInfo.InvariantCulture),
        Block,
        Digest.Length > 0 ? Hash32.Parse(Digest) : Hash32.Zero);
}
