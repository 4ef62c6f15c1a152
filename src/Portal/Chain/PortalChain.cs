using System.Globalization;
using System.Numerics;
using System.Text.Json;
using Hosting.Contracts.Domain;
using Hosting.L1;
using Hosting.L1.Abi;
using Hosting.L1.Contracts;
using Hosting.L1.Rpc;

namespace Hosting.Portal.Chain;

/// <summary>
/// What the portal's pages read from L1 and the calls the delegator pages prepare for a wallet to send: the registry's open
/// sequencers, a delegator's live balances and rewards, calldata (ABI-encoded from the forge ABIs src/L1
/// embeds) checked with eth_call before the wallet is asked, and the state of a sent transaction with the
/// decoded reason of a revert.
/// </summary>
public sealed class PortalChain(EthereumClient client, ulong chainId, Address registry, Address token)
{
    private RegistryConfigView? _config;

    public ulong ChainId { get; } = chainId;
    public SequencerRegistryContract Registry { get; } = new(client, registry);
    public StakingTokenContract Token { get; } = new(client, token);
    public EthereumClient Client { get; } = client;

    /// <summary>The registry's durations and minimum stake (immutable, read once).</summary>
    public async Task<RegistryConfigView> ConfigAsync()
    {
        if (_config is null)
        {
            var c = await Registry.ConfigAsync();
            _config = new RegistryConfigView(c.MinStake, (ulong)c.EntryPeriod, (ulong)c.ExitDelay);
        }
        return _config;
    }

    /// <summary>
    /// The Active sequencers among the registry's listed positions <paramref name="offset"/> to
    /// <paramref name="offset"/> + <paramref name="limit"/> - 1, every read at one block.
    /// </summary>
    public async Task<OpenSequencersPage> OpenSequencersAsync(ulong offset, int limit)
    {
        var block = BlockTag.Number(await Client.GetBlockNumberAsync());
        var listed = (BigInteger)(await Registry.CallAsync("listedCount", [], block: block))[0]!;
        var page = await Registry.CallAsync("activeSequencers", [new BigInteger(offset), new BigInteger(limit)], block: block);
        var addresses = ((object?[])page[0]!).Cast<Address>().ToList();
        var offers = await Task.WhenAll(addresses.Select(a => OfferAsync(a, block)));
        return new OpenSequencersPage(offers, (ulong)listed, (ulong)(BigInteger)page[1]!);
    }

    /// <summary>One sequencer as the registry holds it now.</summary>
    public Task<SequencerOffer> SequencerAsync(Address sequencer) => OfferAsync(sequencer, BlockTag.Latest);

    private async Task<SequencerOffer> OfferAsync(Address sequencer, BlockTag block)
    {
        var info = AbiValues.To<SequencerRegistryContract.SequencerInfo>((await Registry.CallAsync("sequencerOf", [sequencer], block: block))[0]);
        return new SequencerOffer(sequencer, info.Status, info.CommissionBps, info.OwnStake, info.DelegatedStake, info.Eligible,
            (ulong)info.ActiveFrom, info.ExitableAt.IsZero ? null : (ulong)info.ExitableAt);
    }

    /// <summary>What <paramref name="claimant"/> could claim from <paramref name="sequencer"/> now.</summary>
    public Task<BigInteger> PendingRewardsAsync(Address claimant, Address sequencer) => Registry.PendingRewardsAsync(claimant, sequencer);

    /// <summary>The delegator's staking-token balance.</summary>
    public Task<BigInteger> BalanceAsync(Address account) => Token.BalanceOfAsync(account);

    /// <summary>
    /// The head and an estimate of seconds per block from the last <paramref name="window"/> blocks' timestamps
    /// (12 s, Ethereum's slot, when the chain is too young or its timestamps do not move).
    /// </summary>
    public async Task<ChainClock> ClockAsync(ulong window = 32)
    {
        var head = await Client.GetBlockAsync(BlockTag.Latest) ?? throw new InvalidOperationException("The L1 node has no latest block.");
        var span = Math.Min(window, head.Number);
        var seconds = 12.0;
        if (span > 0 && await Client.GetBlockAsync(BlockTag.Number(head.Number - span)) is { } old && head.Timestamp > old.Timestamp)
        {
            seconds = (head.Timestamp - old.Timestamp) / (double)span;
        }
        return new ChainClock(head.Number, DateTimeOffset.FromUnixTimeSeconds((long)head.Timestamp), seconds);
    }

    /// <summary>
    /// The calls a wallet must send for <paramref name="action"/>, in order (delegate needs an ERC-20 approve
    /// first when the allowance is short), or a refusal saying why it would fail, checked before any wallet
    /// is asked: status, balance, position, unlocked amounts and rewards, then an eth_call of the first call.
    /// </summary>
    public async Task<(IReadOnlyList<PreparedCall>? Calls, string? Refusal)> PrepareAsync(DelegatorAction action, Address delegator, Address sequencer, BigInteger amount)
    {
        var calls = new List<PreparedCall>();
        switch (action)
        {
            case DelegatorAction.Delegate:
                {
                    var offer = await SequencerAsync(sequencer);
                    if (offer.Status is not (SequencerStatus.Queued or SequencerStatus.Active))
                    {
                        return (null, $"Sequencer {sequencer} is {offer.Status.ToString().ToLowerInvariant()}; only queued or active sequencers take delegations.");
                    }
                    var balance = await BalanceAsync(delegator);
                    if (balance < amount)
                    {
                        return (null, $"Your balance is {TokenAmount.Format(balance)} tokens, less than the {TokenAmount.Format(amount)} to delegate.");
                    }
                    if (await Token.AllowanceAsync(delegator, Registry.Address) < amount)
                    {
                        calls.Add(Call($"Approve the registry to take {TokenAmount.Format(amount)} tokens", Token, "approve", Registry.Address, amount));
                    }
                    calls.Add(Call($"Delegate {TokenAmount.Format(amount)} tokens to {sequencer}", Registry, "delegate", sequencer, amount));
                    break;
                }
            case DelegatorAction.Undelegate:
                {
                    var position = await Registry.PositionOfAsync(delegator, sequencer);
                    if (position < amount)
                    {
                        return (null, $"You have {TokenAmount.Format(position)} tokens delegated to {sequencer}, less than the {TokenAmount.Format(amount)} to undelegate.");
                    }
                    calls.Add(Call($"Undelegate {TokenAmount.Format(amount)} tokens from {sequencer}", Registry, "undelegate", sequencer, amount));
                    break;
                }
            case DelegatorAction.Withdraw:
                {
                    var head = await Client.GetBlockNumberAsync();
                    var pending = await Registry.PendingWithdrawalsAsync(delegator);
                    var unlocked = pending.Where(w => w.UnlockBlock <= head).Aggregate(BigInteger.Zero, (sum, w) => sum + w.Amount);
                    if (unlocked.IsZero)
                    {
                        return (null, pending.Count == 0
                            ? "You have no undelegated stake waiting to be withdrawn."
                            : $"Nothing is unlocked yet: the first undelegation unlocks at block {pending.Min(w => w.UnlockBlock)} (now {head}).");
                    }
                    calls.Add(Call($"Withdraw {TokenAmount.Format(unlocked)} unlocked tokens", Registry, "withdrawUndelegated"));
                    break;
                }
            case DelegatorAction.Claim:
                {
                    var rewards = await PendingRewardsAsync(delegator, sequencer);
                    if (rewards.IsZero)
                    {
                        return (null, $"You have no rewards to claim from {sequencer}.");
                    }
                    calls.Add(Call($"Claim {TokenAmount.Format(rewards)} tokens of rewards from {sequencer}", Registry, "claimRewards", sequencer));
                    break;
                }
            default:
                throw new ArgumentOutOfRangeException(nameof(action), action, "not a delegator action");
        }
        try
        {
            await Client.CallAsync(new CallRequest(calls[0].To, Hex.Decode(calls[0].Data)) { From = delegator });
        }
        catch (RpcException exception) when (exception.ErrorDataBytes is { } data)
        {
            return (null, $"L1 would refuse it: {Decode(data)}.");
        }
        return (calls, null);
    }

    /// <summary>
    /// setCommission(sequencer, bps) as the registry's withdrawer must send it (only the withdrawer may), checked
    /// with an eth_call from the withdrawer L1 records, or a refusal saying why L1 would not take it.
    /// </summary>
    public async Task<(PreparedCall? Call, Address Withdrawer, string? Refusal)> PrepareCommissionAsync(Address sequencer, ushort bps)
    {
        var info = await Registry.SequencerOfAsync(sequencer);
        if (info.Status is not (SequencerStatus.Queued or SequencerStatus.Active or SequencerStatus.Exiting))
        {
            return (null, info.Withdrawer, $"Sequencer {sequencer} is {info.Status.ToString().ToLowerInvariant()} on L1; its commission is set once it is registered (queued, active or exiting).");
        }
        var call = Call($"Set the commission of {sequencer} to {bps} bps", Registry, "setCommission", sequencer, bps);
        try
        {
            await Client.CallAsync(new CallRequest(call.To, Hex.Decode(call.Data)) { From = info.Withdrawer });
        }
        catch (RpcException exception) when (exception.ErrorDataBytes is { } data)
        {
            return (null, info.Withdrawer, $"L1 would refuse it: {Decode(data)}.");
        }
        return (call, info.Withdrawer, null);
    }

    /// <summary>The registry's most commission a withdrawer may set, in basis points.</summary>
    public async Task<ushort> MaxCommissionBpsAsync()
    {
        return (ushort)(await Registry.ConfigAsync()).MaxCommissionBps;
    }

    /// <summary>Where a transaction is: unknown to the node, pending, confirmed, or reverted with the decoded reason.</summary>
    public async Task<TransactionState> StateAsync(Hash32 hash)
    {
        var receipt = await Client.GetTransactionReceiptAsync(hash);
        if (receipt is null)
        {
            var seen = await Client.Rpc.CallAsync("eth_getTransactionByHash", [hash.ToString()], CancellationToken.None);
            return new TransactionState(hash, seen.ValueKind == JsonValueKind.Object ? "pending" : "unknown", null, null, null);
        }
        var head = await Client.GetBlockNumberAsync();
        var confirmations = head >= receipt.BlockNumber ? head - receipt.BlockNumber + 1 : 0;
        if (receipt.Succeeded)
        {
            return new TransactionState(hash, "confirmed", receipt.BlockNumber, confirmations, null);
        }
        return new TransactionState(hash, "reverted", receipt.BlockNumber, confirmations, await ReplayRevertAsync(hash, receipt.BlockNumber));
    }

    // A receipt has no revert data: the call is replayed on the state before its block, which reproduces the
    // reason unless an earlier transaction of the same block changed what it depended on.
    private async Task<string> ReplayRevertAsync(Hash32 hash, ulong block)
    {
        var tx = await Client.Rpc.CallAsync("eth_getTransactionByHash", [hash.ToString()], CancellationToken.None);
        if (tx.ValueKind != JsonValueKind.Object || !tx.TryGetProperty("to", out var to) || to.ValueKind != JsonValueKind.String)
        {
            return "the transaction is gone from the node; its reason cannot be replayed";
        }
        var call = new CallRequest(Address.Parse(to.GetString()!), Hex.Decode(tx.GetProperty("input").GetString()!))
        {
            From = Address.Parse(tx.GetProperty("from").GetString()!),
            Value = Hex.DecodeQuantity(tx.GetProperty("value").GetString()!),
            Gas = Hex.DecodeUInt64Quantity(tx.GetProperty("gas").GetString()!),
        };
        try
        {
            await Client.CallAsync(call, BlockTag.Number(block - 1));
            return "out of gas, or a reason that replaying it alone does not reproduce";
        }
        catch (RpcException exception) when (exception.ErrorDataBytes is { } data)
        {
            return Decode(data);
        }
    }

    private string Decode(byte[] data) => RevertReason.Decode(data, Registry.Abi.Errors.Concat(Token.Abi.Errors)).ToString();

    private static PreparedCall Call(string label, ContractClient contract, string function, params object?[] arguments) =>
        new(label, contract.Address, Hex.Encode(contract.EncodeCall(function, arguments)), "0x0");
}

/// <summary>The L1 the portal's pages read, or none (a portal without Hosting:L1 settings).</summary>
public sealed record PortalL1(PortalChain? Chain);

public enum DelegatorAction { Delegate, Undelegate, Withdraw, Claim }

/// <summary>A call for the wallet's eth_sendTransaction: to, data, value (hex), and what it does in words.</summary>
public sealed record PreparedCall(string Label, Address To, string Data, string Value);

public sealed record SequencerOffer(Address Sequencer, SequencerStatus Status, ushort CommissionBps, BigInteger OwnStake, BigInteger DelegatedStake, bool Eligible, ulong ActiveFrom, ulong? ExitableAt);

public sealed record OpenSequencersPage(IReadOnlyList<SequencerOffer> Items, ulong Listed, ulong Next);

public sealed record RegistryConfigView(BigInteger MinStake, ulong EntryPeriodBlocks, ulong ExitDelayBlocks);
