using Hosting.Contracts.Domain;
using Hosting.L1.Abi;
using Hosting.L1.Rpc;

namespace Hosting.L1.Contracts;

/// <summary>
/// A contract call or gas estimate reverted. <see cref="Reason"/> names the error with its values (a
/// custom error of the contract, Error(string) or Panic), decoded with the contract's ABI.
/// </summary>
public sealed class ContractRevertedException(string contract, Address address, string function, RevertReason reason, RpcException rpcError)
    : L1Exception($"{contract}.{function} at {address} reverted: {reason} (from {RpcFailure.Redact(rpcError.Endpoint)}).", rpcError)
{
    /// <summary>The contract's name in its ABI.</summary>
    public string Contract { get; } = contract;

    /// <summary>The contract's address.</summary>
    public Address Address { get; } = address;

    /// <summary>The function that reverted.</summary>
    public string Function { get; } = function;

    /// <summary>Why, decoded.</summary>
    public RevertReason Reason { get; } = reason;

    /// <summary>The custom error's name, when it is one (e.g. "Registry__StakeBelowMinimum").</summary>
    public string? ErrorName => Reason is RevertReason.CustomError custom ? custom.Name : null;
}
