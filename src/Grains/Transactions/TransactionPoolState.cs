namespace Hosting.Grains.Transactions;

/// <summary>The pool's waiting transactions and the ones reserved by each slot (blobs as 0x-hex, fees as decimal text).</summary>
[GenerateSerializer, Alias("hosting.tx-pool-state.v1")]
public sealed record TransactionPoolState
{
    [Id(0)] public List<StoredPoolEntry> Pending { get; init; } = [];
    [Id(1)] public List<SlotReservation> Reserved { get; init; } = [];
}

[GenerateSerializer, Alias("hosting.tx-pool-entry.v1")]
public sealed record StoredPoolEntry
{
    [Id(0)] public string Hash { get; init; } = "";
    [Id(1)] public string Fee { get; init; } = "0";
    [Id(2)] public string Blob { get; init; } = "";
}

[GenerateSerializer, Alias("hosting.tx-slot-reservation.v1")]
public sealed record SlotReservation
{
    [Id(0)] public ulong Slot { get; init; }
    [Id(1)] public List<StoredPoolEntry> Transactions { get; init; } = [];
}
