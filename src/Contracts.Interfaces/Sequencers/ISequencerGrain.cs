using System.Numerics;
using Hosting.Contracts.Domain;
using Hosting.Contracts.L1;
using Orleans.Concurrency;

namespace Hosting.Contracts.Sequencers;

/// <summary>
/// One hosted sequencer identity, keyed by its address (lower-case 0x-hex). Its status moves only on
/// confirmed L1 facts delivered by the follower; what we asked for shows as Registering until then.
/// Every call names the tenant acting, and a sequencer answers only to the tenant that imported it.
/// </summary>
[Alias("hosting.sequencer")]
public interface ISequencerGrain : IL1EventConsumer
{
    /// <summary>Takes the sequencer into <paramref name="tenant"/>'s hosting; its key must be in the key store.</summary>
    [Alias("import")]
    Task<SequencerView> ImportAsync(string tenant);

    /// <summary>Sends approve + register through the publisher; the status is Registering until L1 confirms.</summary>
    [Alias("register")]
    Task<SequencerView> RegisterAsync(string tenant, SequencerRegistration registration);

    /// <summary>Sends initiateExit through the withdrawer (a publisher of the tenant); only an Active sequencer exits.</summary>
    [Alias("exit")]
    Task<SequencerView> ExitAsync(string tenant);

    /// <summary>The sequencer as L1 confirmed it, or null when no tenant imported it.</summary>
    [Alias("get")]
    Task<SequencerView?> GetAsync();

    /// <summary>
    /// The status the tenant's index should show, or null when <paramref name="tenant"/> does not host this
    /// sequencer; asked by a tenant rebuilding its index, answered from memory even while the sequencer waits on
    /// that tenant.
    /// </summary>
    [Alias("indexed-status"), AlwaysInterleave]
    Task<SequencerStatus?> GetIndexedStatusAsync(string tenant);
}

/// <summary>How to register: who pays and sends (<see cref="Publisher"/>), who may exit and gets the stake back, how much.</summary>
[GenerateSerializer, Immutable, Alias("hosting.sequencer-registration")]
public sealed record SequencerRegistration(
    [property: Id(0)] Address Publisher,
    [property: Id(1)] Address Withdrawer,
    [property: Id(2)] BigInteger Stake);

[GenerateSerializer, Immutable, Alias("hosting.sequencer-view")]
public sealed record SequencerView(
    [property: Id(0)] Address Sequencer,
    [property: Id(1)] string Tenant,
    [property: Id(2)] SequencerStatus Status,
    [property: Id(3)] BigInteger Stake,
    [property: Id(4)] Address? Withdrawer,
    [property: Id(5)] Address? Publisher,
    [property: Id(6)] ulong? RegisteredBlock,
    [property: Id(7)] ulong? ActivationBlock,
    [property: Id(8)] ulong? ActivatedBlock,
    [property: Id(9)] ulong? ExitInitiatedBlock,
    [property: Id(10)] ulong? ExitUnlockBlock,
    [property: Id(11)] ulong? ExitedBlock,
    [property: Id(12)] BigInteger ReturnedStake,
    [property: Id(13)] Hash32? LastTransaction,
    [property: Id(14)] int AppliedEvents,
    [property: Id(15)] BigInteger RewardsCredited = default);
