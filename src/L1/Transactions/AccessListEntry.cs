using Hosting.Contracts.Domain;

namespace Hosting.L1.Transactions;

/// <summary>One EIP-2930 access-list entry: an account and the storage slots the transaction will touch.</summary>
public sealed record AccessListEntry(Address Address, IReadOnlyList<Hash32> StorageKeys);
