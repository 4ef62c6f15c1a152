namespace Hosting.Grains.Publishers;

/// <summary>A publisher's stored state: its tenant, the next nonce we hand out and the transactions not yet mined.</summary>
[GenerateSerializer, Alias("hosting.publisher-state.v1")]
public sealed record PublisherState
{
    [Id(0)] public string Tenant { get; init; } = "";
    [Id(1)] public ulong NextNonce { get; init; }
    [Id(2)] public List<StoredTransaction> Pending { get; init; } = [];
    [Id(3)] public long Sent { get; init; }
    [Id(4)] public long Bumped { get; init; }
}

/// <summary>A sent, unmined transaction: enough to rebroadcast it as is (the signed bytes) or re-sign it with higher fees.</summary>
[GenerateSerializer, Alias("hosting.stored-transaction.v1")]
public sealed record StoredTransaction
{
    [Id(0)] public ulong Nonce { get; init; }
    [Id(1)] public string Hash { get; init; } = "";
    [Id(2)] public string Purpose { get; init; } = "";
    [Id(3)] public string To { get; init; } = "";
    [Id(4)] public string Data { get; init; } = "";
    [Id(5)] public ulong GasLimit { get; init; }
    [Id(6)] public string MaxFeePerGas { get; init; } = "0";
    [Id(7)] public string MaxPriorityFeePerGas { get; init; } = "0";
    [Id(8)] public string Raw { get; init; } = "";
    [Id(9)] public DateTimeOffset SentAt { get; init; }
    [Id(10)] public int Bumps { get; init; }

    /// <summary>The first block the call can succeed in (<c>L1Call.NotBefore</c>), or null for any block.</summary>
    [Id(11)] public ulong? NotBefore { get; init; }

    /// <summary>Dropped by a reorg and held back until <see cref="NotBefore"/> is the next block: broadcast at once then.</summary>
    [Id(12)] public bool Held { get; init; }
}
