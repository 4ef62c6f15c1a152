namespace Hosting.Grains.Transactions;

/// <summary>What a transaction grain persists: fee and size (the blob lives in the pool while it waits) and the stage history.</summary>
[GenerateSerializer, Alias("hosting.tx-state.v1")]
public sealed record TransactionState
{
    /// <summary>0 until submitted, then the current <see cref="Hosting.Contracts.Transactions.TransactionStage"/>.</summary>
    [Id(0)] public int Stage { get; init; }
    [Id(1)] public string Fee { get; init; } = "0";
    [Id(2)] public int Size { get; init; }
    [Id(3)] public List<StoredStageChange> History { get; init; } = [];
}

[GenerateSerializer, Alias("hosting.tx-stage-change.v1")]
public sealed record StoredStageChange
{
    [Id(0)] public int Stage { get; init; }
    [Id(1)] public ulong? Slot { get; init; }
    [Id(2)] public ulong? L1Block { get; init; }
    [Id(3)] public string L1Transaction { get; init; } = "";
    [Id(4)] public string Reason { get; init; } = "";
    [Id(5)] public DateTimeOffset At { get; init; }
}
