using System.Numerics;
using Hosting.Contracts.Domain;
using Hosting.L1.Rpc;
using Hosting.L1.Signing;

namespace Hosting.L1.Contracts;

/// <summary>infra/l1's StakingToken: an ERC-20 that sequencers stake and delegators delegate.</summary>
public sealed class StakingTokenContract(EthereumClient client, Address address)
    : ContractClient(client, address, EmbeddedAbi.Load(ContractName))
{
    /// <summary>The contract's name in infra/l1 and in the embedded ABI.</summary>
    public const string ContractName = "StakingToken";

    /// <summary>balanceOf(account).</summary>
    public Task<BigInteger> BalanceOfAsync(Address account) => CallAsync<BigInteger>("balanceOf", account);

    /// <summary>allowance(owner, spender).</summary>
    public Task<BigInteger> AllowanceAsync(Address owner, Address spender) => CallAsync<BigInteger>("allowance", owner, spender);

    /// <summary>totalSupply().</summary>
    public Task<BigInteger> TotalSupplyAsync() => CallAsync<BigInteger>("totalSupply");

    /// <summary>symbol().</summary>
    public Task<string> SymbolAsync() => CallAsync<string>("symbol");

    /// <summary>approve(spender, value).</summary>
    public Task<Hash32> ApproveAsync(IEthSigner owner, Address spender, BigInteger value, CancellationToken cancellationToken = default) =>
        SendAsync(owner, "approve", [spender, value], cancellationToken: cancellationToken);

    /// <summary>transfer(to, value).</summary>
    public Task<Hash32> TransferAsync(IEthSigner from, Address to, BigInteger value, CancellationToken cancellationToken = default) =>
        SendAsync(from, "transfer", [to, value], cancellationToken: cancellationToken);

    /// <summary>mint(to, amount), by the owner of a mintable token (the devnet's).</summary>
    public Task<Hash32> MintAsync(IEthSigner owner, Address to, BigInteger amount, CancellationToken cancellationToken = default) =>
        SendAsync(owner, "mint", [to, amount], cancellationToken: cancellationToken);

    /// <summary>The log as a <see cref="Transfer"/> or <see cref="Approval"/>, or null when it is neither.</summary>
    public object? DecodeEvent(Log log) => TryDecode(log) is { } decoded
        ? decoded.Name switch
        {
            "Transfer" => decoded.ToRecord<Transfer>(),
            "Approval" => decoded.ToRecord<Approval>(),
            _ => decoded,
        }
        : null;

    /// <summary>Event Transfer(from, to, value).</summary>
    public sealed record Transfer(Address From, Address To, BigInteger Value);

    /// <summary>Event Approval(owner, spender, value).</summary>
    public sealed record Approval(Address Owner, Address Spender, BigInteger Value);
}
