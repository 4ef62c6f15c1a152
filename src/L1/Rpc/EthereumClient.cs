using System.Numerics;
using System.Text.Json;
using Hosting.Contracts.Domain;
using Hosting.L1.Transactions;

namespace Hosting.L1.Rpc;

/// <summary>
/// The eth_* methods the platform uses, typed: chain and block reads, balances and nonces, calls and gas
/// estimates, raw transactions, receipts and logs. Everything goes through one <see cref="JsonRpcClient"/>,
/// so failover, retries and error reporting are the same for all of them.
/// </summary>
public sealed class EthereumClient(JsonRpcClient rpc)
{
    /// <summary>The transport underneath, for methods not wrapped here.</summary>
    public JsonRpcClient Rpc { get; } = rpc;

    /// <summary>eth_chainId.</summary>
    public Task<ulong> GetChainIdAsync(CancellationToken cancellationToken = default) =>
        Rpc.CallAsync("eth_chainId", [], Quantity64, cancellationToken);

    /// <summary>eth_blockNumber: the latest block number.</summary>
    public Task<ulong> GetBlockNumberAsync(CancellationToken cancellationToken = default) =>
        Rpc.CallAsync("eth_blockNumber", [], Quantity64, cancellationToken);

    /// <summary>eth_getBlockByNumber without transactions; null when the node has no such block yet.</summary>
    public Task<BlockHeader?> GetBlockAsync(BlockTag block, CancellationToken cancellationToken = default) =>
        Rpc.CallAsync("eth_getBlockByNumber", [block.Text, false], result => result.ValueKind == JsonValueKind.Null ? null : BlockHeader.Read(result), cancellationToken);

    /// <summary>eth_getBalance in wei.</summary>
    public Task<BigInteger> GetBalanceAsync(Address account, BlockTag? block = null, CancellationToken cancellationToken = default) =>
        Rpc.CallAsync("eth_getBalance", [account.ToString(), (block ?? BlockTag.Latest).Text], Quantity, cancellationToken);

    /// <summary>eth_getTransactionCount: the next nonce (at the pending block by default, so queued transactions count).</summary>
    public Task<ulong> GetTransactionCountAsync(Address account, BlockTag? block = null, CancellationToken cancellationToken = default) =>
        Rpc.CallAsync("eth_getTransactionCount", [account.ToString(), (block ?? BlockTag.Pending).Text], Quantity64, cancellationToken);

    /// <summary>eth_getCode: the runtime bytecode at an address (empty for accounts without code).</summary>
    public Task<byte[]> GetCodeAsync(Address account, BlockTag? block = null, CancellationToken cancellationToken = default) =>
        Rpc.CallAsync("eth_getCode", [account.ToString(), (block ?? BlockTag.Latest).Text], Data, cancellationToken);

    /// <summary>eth_call: the return data; a revert comes back as <see cref="RpcException"/> whose data is the revert data.</summary>
    public Task<byte[]> CallAsync(CallRequest call, BlockTag? block = null, CancellationToken cancellationToken = default) =>
        Rpc.CallAsync("eth_call", [call.ToJson(), (block ?? BlockTag.Latest).Text], Data, cancellationToken);

    /// <summary>
    /// eth_estimateGas on the pending block, where a transaction sent now executes: a duty sent while the block before
    /// its phase is the head (the slot pipeline's Commitment and Reveal) must be simulated in that phase. anvil
    /// defaults to pending; other nodes default to latest, so the tag is always given.
    /// </summary>
    public Task<ulong> EstimateGasAsync(CallRequest call, CancellationToken cancellationToken = default) =>
        Rpc.CallAsync("eth_estimateGas", [call.ToJson(), BlockTag.Pending.Text], Quantity64, cancellationToken);

    /// <summary>eth_maxPriorityFeePerGas: the node's suggested tip.</summary>
    public Task<BigInteger> GetMaxPriorityFeePerGasAsync(CancellationToken cancellationToken = default) =>
        Rpc.CallAsync("eth_maxPriorityFeePerGas", [], Quantity, cancellationToken);

    /// <summary>eth_gasPrice: the node's legacy gas price suggestion.</summary>
    public Task<BigInteger> GetGasPriceAsync(CancellationToken cancellationToken = default) =>
        Rpc.CallAsync("eth_gasPrice", [], Quantity, cancellationToken);

    /// <summary>
    /// eth_sendRawTransaction; returns the hash the node reports, checked against the one we computed. A node
    /// that answers "already known" holds this very transaction (a retry or rebroadcast), which counts as sent.
    /// </summary>
    public async Task<Hash32> SendRawTransactionAsync(SignedTransaction transaction, CancellationToken cancellationToken = default)
    {
        var expected = transaction.Hash;
        Hash32 hash;
        try
        {
            hash = await Rpc.CallAsync("eth_sendRawTransaction", [Hex.Encode(transaction.Encode())], Hash, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException exception) when (IsAlreadyKnown(exception))
        {
            // A retry after a lost answer, or a rebroadcast: the node already holds exactly this transaction.
            return expected;
        }
        return hash == expected
            ? hash
            : throw new TransactionFormatException($"the node reports hash {hash} but the transaction hashes to {expected}", Hex.Encode(transaction.Encode()));
    }

    /// <summary>eth_getTransactionReceipt; null while the transaction is not mined.</summary>
    public Task<TransactionReceipt?> GetTransactionReceiptAsync(Hash32 transaction, CancellationToken cancellationToken = default) =>
        Rpc.CallAsync("eth_getTransactionReceipt", [transaction.ToString()], result => result.ValueKind == JsonValueKind.Null ? null : TransactionReceipt.Read(result), cancellationToken);

    /// <summary>Polls for a receipt until it appears or <paramref name="timeout"/> passes (then <see cref="TimeoutException"/>).</summary>
    public async Task<TransactionReceipt> WaitForReceiptAsync(Hash32 transaction, TimeSpan timeout, TimeSpan? pollInterval = null, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await GetTransactionReceiptAsync(transaction, cancellationToken).ConfigureAwait(false) is { } receipt)
            {
                return receipt;
            }
            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"Transaction {transaction} has no receipt after {timeout.TotalSeconds:0.#} s on {Rpc.PreferredEndpoint}.");
            }
            await Task.Delay(pollInterval ?? TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>eth_getLogs.</summary>
    public Task<IReadOnlyList<Log>> GetLogsAsync(LogFilter filter, CancellationToken cancellationToken = default) =>
        Rpc.CallAsync<IReadOnlyList<Log>>("eth_getLogs", [filter.ToJson()], result => [.. result.EnumerateArray().Select(Log.Read)], cancellationToken);

    private static bool IsAlreadyKnown(RpcException exception) =>
        exception.RpcMessage.Contains("already known", StringComparison.OrdinalIgnoreCase)
        || exception.RpcMessage.Contains("known transaction", StringComparison.OrdinalIgnoreCase)
        || exception.RpcMessage.Contains("already imported", StringComparison.OrdinalIgnoreCase);

    private static ulong Quantity64(JsonElement result) => Hex.DecodeUInt64Quantity(Text(result));

    private static BigInteger Quantity(JsonElement result) => Hex.DecodeQuantity(Text(result));

    private static byte[] Data(JsonElement result) => Hex.Decode(Text(result));

    private static Hash32 Hash(JsonElement result) => Hash32.Parse(Text(result));

    private static string Text(JsonElement result) => result.ValueKind == JsonValueKind.String
        ? result.GetString()!
        : throw new HexFormatException(result.GetRawText(), "a JSON string");
}
