using System.Numerics;
using Hosting.Contracts.Domain;
using Hosting.Contracts.L1;

namespace Hosting.Contracts.Delegators;

/// <summary>A delegator's positions as L1 confirmed them (Delegated / Undelegated / UndelegatedWithdrawn events), keyed by its address.</summary>
[Alias("hosting.delegator")]
public interface IDelegatorGrain : IL1EventConsumer
{
    [Alias("get")]
    Task<DelegatorView> GetAsync();
}

[GenerateSerializer, Immutable, Alias("hosting.delegation")]
public sealed record Delegation([property: Id(0)] Address Sequencer, [property: Id(1)] BigInteger Amount);

[GenerateSerializer, Immutable, Alias("hosting.undelegation")]
public sealed record Undelegation([property: Id(0)] Address Sequencer, [property: Id(1)] BigInteger Amount, [property: Id(2)] ulong UnlockBlock);

[GenerateSerializer, Immutable, Alias("hosting.delegator-view")]
public sealed record DelegatorView(
    [property: Id(0)] Address Delegator,
    [property: Id(1)] IReadOnlyList<Delegation> Positions,
    [property: Id(2)] IReadOnlyList<Undelegation> PendingWithdrawals);
