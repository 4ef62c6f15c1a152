using System.Numerics;
using Hosting.Contracts.Domain;

namespace Hosting.L1.Eip712;

/// <summary>
/// The EIP712Domain of a signature: which dapp, version, chain and contract it is for, so it cannot be
/// replayed elsewhere. Fields left null are left out of the domain type, as EIP-712 allows.
/// </summary>
public sealed record Eip712Domain(
    string? Name = null,
    string? Version = null,
    BigInteger? ChainId = null,
    Address? VerifyingContract = null,
    Hash32? Salt = null);
