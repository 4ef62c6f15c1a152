using System.Numerics;

namespace Hosting.Contracts.Transactions;

/// <summary>
/// One L2 transaction, keyed by its hash (keccak256 of the blob, 0x-hex): it remembers the blob's fee and size and
/// every confirmation stage it went through. A second submission of the same hash is a duplicate.
/// </summary>
[Alias("hosting.tx")]
public interface ITransactionGrain : IGrainWithStringKey
{
    /// <summary>Accepts the transaction into the pool (stage 2) unless it was submitted before or the pool is full.</summary>
    [Alias("submit")]
    Task<SubmitResult> SubmitAsync(byte[] blob, BigInteger fee);

    /// <summary>Records a move to another stage; a move to the stage it is at for the same slot changes nothing.</summary>
    [Alias("move")]
    Task MoveAsync(StageChange change);

    /// <summary>The transaction's stage and history; null when it was never submitted.</summary>
    [Alias("get")]
    Task<TransactionView?> GetAsync();
}

/// <summary>
/// The pool of waiting transactions (one per cluster, key <see cref="Key"/>). A slot reserves a block's worth of
/// them by priority fee; a failed slot releases them back, a finalised one drops them.
/// </summary>
[Alias("hosting.tx-pool")]
public interface ITransactionPoolGrain : IGrainWithStringKey
{
    public const string Key = "pool";

    /// <summary>Adds a transaction; idempotent by hash. False when the pool is full.</summary>
    [Alias("add")]
    Task<bool> AddAsync(PooledTransaction transaction);

    /// <summary>
    /// The transactions of <paramref name="slot"/>'s block: chosen from the waiting ones by priority fee up to
    /// <see cref="TransactionRules.MaxBlockTransactionBytes"/> the first time, the same ones on every later call.
    /// </summary>
    [Alias("reserve")]
    Task<IReadOnlyList<PooledTransaction>> ReserveAsync(ulong slot);

    /// <summary>The slot failed: its transactions wait in the pool again.</summary>
    [Alias("release")]
    Task ReleaseAsync(ulong slot);

    /// <summary>The slot's block is final: its transactions leave the pool for good.</summary>
    [Alias("settle")]
    Task SettleAsync(ulong slot);

    [Alias("get")]
    Task<TransactionPoolView> GetAsync();
}
