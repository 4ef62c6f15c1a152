using System.Numerics;
using Hosting.Contracts.Domain;
using Hosting.L1.Abi;
using Hosting.L1.Rpc;
using Hosting.L1.Signing;
using Hosting.L1.Transactions;

namespace Hosting.L1.Contracts;

/// <summary>
/// A deployed contract driven by its ABI: read-only calls decoded to values, state-changing calls built
/// into signed EIP-1559 transactions, logs decoded to events, and reverts decoded to the contract's
/// custom errors. The typed bindings (<see cref="SequencerRegistryContract"/>, <see cref="StakingTokenContract"/>)
/// are thin shells over this.
/// </summary>
public class ContractClient(EthereumClient client, Address address, ContractAbi abi)
{
    /// <summary>The node connection.</summary>
    public EthereumClient Client { get; } = client;

    /// <summary>Where the contract lives.</summary>
    public Address Address { get; } = address;

    /// <summary>Its ABI.</summary>
    public ContractAbi Abi { get; } = abi;

    /// <summary>Calldata for <paramref name="function"/> (a name, or a signature when overloaded).</summary>
    public byte[] EncodeCall(string function, params object?[] arguments) => Abi.Function(function).EncodeCall(arguments);

    /// <summary>eth_call of a function; returns its decoded outputs, or throws <see cref="ContractRevertedException"/>.</summary>
    public async Task<object?[]> CallAsync(string function, object?[] arguments, Address? from = null, BlockTag? block = null, CancellationToken cancellationToken = default)
    {
        var abiFunction = Abi.Function(function);
        var call = new CallRequest(Address, abiFunction.EncodeCall(arguments)) { From = from };
        var output = await Reverting(abiFunction, () => Client.CallAsync(call, block, cancellationToken)).ConfigureAwait(false);
        return abiFunction.DecodeOutput(output);
    }

    /// <summary>eth_call returning the single output converted to <typeparamref name="T"/>.</summary>
    public async Task<T> CallAsync<T>(string function, params object?[] arguments) =>
        AbiValues.To<T>((await CallAsync(function, arguments).ConfigureAwait(false))[0]);

    /// <summary>
    /// Builds an unsigned EIP-1559 transaction calling <paramref name="function"/> from <paramref name="from"/>:
    /// the nonce from the pending state, gas from eth_estimateGas plus a margin (a revert here throws
    /// <see cref="ContractRevertedException"/> before anything is signed), fees from the latest base fee.
    /// </summary>
    public async Task<Eip1559Transaction> BuildTransactionAsync(Address from, string function, object?[] arguments, BigInteger? value = null, CancellationToken cancellationToken = default)
    {
        var abiFunction = Abi.Function(function);
        var data = abiFunction.EncodeCall(arguments);
        var call = new CallRequest(Address, data) { From = from, Value = value };
        var gas = await Reverting(abiFunction, () => Client.EstimateGasAsync(call, cancellationToken)).ConfigureAwait(false);
        var chainId = await Client.GetChainIdAsync(cancellationToken).ConfigureAwait(false);
        var nonce = await Client.GetTransactionCountAsync(from, BlockTag.Pending, cancellationToken).ConfigureAwait(false);
        var head = await Client.GetBlockAsync(BlockTag.Latest, cancellationToken).ConfigureAwait(false);
        var tip = await Client.GetMaxPriorityFeePerGasAsync(cancellationToken).ConfigureAwait(false);
        return new Eip1559Transaction
        {
            ChainId = chainId,
            Nonce = nonce,
            GasLimit = gas + gas / 4,
            MaxPriorityFeePerGas = tip,
            MaxFeePerGas = 2 * (head?.BaseFeePerGas ?? BigInteger.Zero) + tip,
            To = Address,
            Value = value ?? BigInteger.Zero,
            Data = data,
        };
    }

    /// <summary>Builds, signs and sends a call; returns the transaction hash. For the devnet and tests: production sends through the publisher.</summary>
    public async Task<Hash32> SendAsync(IEthSigner signer, string function, object?[] arguments, BigInteger? value = null, CancellationToken cancellationToken = default)
    {
        var transaction = await BuildTransactionAsync(signer.Address, function, arguments, value, cancellationToken).ConfigureAwait(false);
        var signed = await signer.SignTransactionAsync(transaction, cancellationToken).ConfigureAwait(false);
        return await Client.SendRawTransactionAsync(signed, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Deploys <paramref name="bytecode"/> (forge's bytecode.object) with constructor <paramref name="arguments"/>,
    /// waits for the receipt and returns the new contract's address. For the devnet and tests.
    /// </summary>
    public static async Task<Address> DeployAsync(EthereumClient client, IEthSigner signer, ContractAbi abi, byte[] bytecode, object?[] arguments, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var data = abi.EncodeDeployment(bytecode, arguments);
        var gas = await client.EstimateGasAsync(new CallRequest(null, data) { From = signer.Address }, cancellationToken).ConfigureAwait(false);
        var head = await client.GetBlockAsync(BlockTag.Latest, cancellationToken).ConfigureAwait(false);
        var tip = await client.GetMaxPriorityFeePerGasAsync(cancellationToken).ConfigureAwait(false);
        var transaction = new Eip1559Transaction
        {
            ChainId = await client.GetChainIdAsync(cancellationToken).ConfigureAwait(false),
            Nonce = await client.GetTransactionCountAsync(signer.Address, BlockTag.Pending, cancellationToken).ConfigureAwait(false),
            GasLimit = gas + gas / 4,
            MaxPriorityFeePerGas = tip,
            MaxFeePerGas = 2 * (head?.BaseFeePerGas ?? BigInteger.Zero) + tip,
            Data = data,
        };
        var hash = await client.SendRawTransactionAsync(await signer.SignTransactionAsync(transaction, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        var receipt = await client.WaitForReceiptAsync(hash, timeout ?? TimeSpan.FromSeconds(60), cancellationToken: cancellationToken).ConfigureAwait(false);
        return receipt is { Succeeded: true, ContractAddress: { } created }
            ? created
            : throw new TransactionFormatException($"deploying {abi.Name} failed in transaction {hash} (status {(receipt.Succeeded ? "success without a contract address" : "reverted")})", hash.ToString());
    }

    /// <summary>Decodes a log of this contract, or null when it is another contract's or an unknown event.</summary>
    public DecodedEvent? TryDecode(Log log) =>
        log.Address == Address && log.Topics.Count > 0 && Abi.TryFindEvent(log.Topics[0], out var abiEvent)
            ? abiEvent.Decode(log.Topics, log.Data)
            : null;

    /// <summary>The logs of event <paramref name="eventName"/> in a block range, decoded.</summary>
    public async Task<IReadOnlyList<DecodedEvent>> GetEventsAsync(string eventName, BlockTag from, BlockTag to, CancellationToken cancellationToken = default)
    {
        var abiEvent = Abi.Event(eventName);
        var logs = await Client.GetLogsAsync(new LogFilter(from, to) { Addresses = [Address], Topics = [[abiEvent.Topic]] }, cancellationToken).ConfigureAwait(false);
        return [.. logs.Select(log => abiEvent.Decode(log.Topics, log.Data))];
    }

    private async Task<T> Reverting<T>(AbiFunction function, Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (RpcException exception) when (exception.ErrorDataBytes is { } data)
        {
            throw new ContractRevertedException(Abi.Name, Address, function.Name, Abi.DecodeRevert(data), exception);
        }
    }
}
