using System.Numerics;
using Hosting.Contracts.Domain;

namespace Hosting.Contracts.Transactions;

/// <summary>
/// One move of a transaction between confirmation stages: the slot whose block it concerns and, when an L1 event
/// moved it, that event's block and transaction.
/// </summary>
[GenerateSerializer, Immutable, Alias("hosting.tx-stage-change")]
public sealed record StageChange(
    [property: Id(0)] TransactionStage Stage,
    [property: Id(1)] ulong? Slot,
    [property: Id(2)] ulong? L1Block,
    [property: Id(3)] Hash32? L1Transaction,
    [property: Id(4)] string Reason,
    [property: Id(5)] DateTimeOffset At);

/// <summary>What the platform knows about one submitted transaction: its stage now and how it got there.</summary>
[GenerateSerializer, Immutable, Alias("hosting.tx-view")]
public sealed record TransactionView(
    [property: Id(0)] Hash32 Hash,
    [property: Id(1)] BigInteger Fee,
    [property: Id(2)] int Size,
    [property: Id(3)] TransactionStage Stage,
    [property: Id(4)] ulong? Slot,
    [property: Id(5)] IReadOnlyList<StageChange> History);

/// <summary>A transaction waiting in (or reserved from) the pool: its hash, priority fee and blob.</summary>
[GenerateSerializer, Immutable, Alias("hosting.pooled-tx")]
public sealed record PooledTransaction(
    [property: Id(0)] Hash32 Hash,
    [property: Id(1)] BigInteger Fee,
    [property: Id(2)] byte[] Blob);

public enum SubmitOutcome
{
    Accepted,

    /// <summary>A transaction with the same hash was submitted before; nothing changed.</summary>
    Duplicate,

    /// <summary>The pool holds <see cref="TransactionRules.PoolCapacity"/> transactions already.</summary>
    PoolFull,
}

[GenerateSerializer, Immutable, Alias("hosting.tx-submit-result")]
public sealed record SubmitResult([property: Id(0)] SubmitOutcome Outcome, [property: Id(1)] TransactionView? Transaction);

/// <summary>The pool at a glance: how many wait, and which slots hold reserved transactions.</summary>
[GenerateSerializer, Immutable, Alias("hosting.tx-pool-view")]
public sealed record TransactionPoolView(
    [property: Id(0)] int Pending,
    [property: Id(1)] Dictionary<ulong, int> ReservedBySlot);
