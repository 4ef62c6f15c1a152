using Hosting.Contracts.Domain;
using Orleans.Concurrency;

namespace Hosting.Contracts.Tenants;

/// <summary>A customer of the staking provider: the unit of isolation. Keyed by the tenant id.</summary>
[Alias("hosting.tenant")]
public interface ITenantGrain : IGrainWithStringKey
{
    /// <summary>Creates the tenant, or renames it when it exists; returns what is stored.</summary>
    [Alias("save")]
    Task<TenantProfile> SaveAsync(string displayName);

    /// <summary>The tenant as stored, or null when no tenant has this id.</summary>
    [Alias("get")]
    Task<TenantProfile?> GetAsync();

    /// <summary>Records that the tenant hosts <paramref name="sequencer"/> (called by the sequencer on import).</summary>
    [Alias("add-sequencer")]
    Task AddSequencerAsync(Address sequencer);

    /// <summary>Records that the tenant sends through <paramref name="publisher"/> (called by the publisher on attach).</summary>
    [Alias("add-publisher")]
    Task AddPublisherAsync(Address publisher);

    /// <summary>Records that the tenant no longer sends through <paramref name="publisher"/> (called by the publisher on detach).</summary>
    [Alias("remove-publisher")]
    Task RemovePublisherAsync(Address publisher);

    /// <summary>
    /// Keeps the tenant's index of sequencer statuses current (called by the sequencer when its status moves).
    /// A move of a known sequencer is answered from memory and written within a second (see
    /// <see cref="FlushSequencerIndexAsync"/>); a sequencer new to the index is written before the answer.
    /// </summary>
    [Alias("record-sequencer-status")]
    Task RecordSequencerStatusAsync(Address sequencer, SequencerStatus status);

    /// <summary>Writes the index changes held in memory now, for a caller that needs them stored before it goes on.</summary>
    [Alias("flush-sequencer-index")]
    Task FlushSequencerIndexAsync();

    /// <summary>Records a sequencer's total of rewards L1 credited to it (RewardCredited), called by the sequencer when it moves.</summary>
    [Alias("record-sequencer-rewards")]
    Task RecordSequencerRewardsAsync(Address sequencer, System.Numerics.BigInteger total);

    /// <summary>The tenant's reward book: what L1 credited (RewardCredited) to each of its sequencers, and the sum, in wei.</summary>
    [Alias("reward-book"), ReadOnly]
    Task<RewardBook> GetRewardBookAsync();

    /// <summary>One page of the tenant's sequencers from its index, in import order: no sequencer is woken.</summary>
    [Alias("list-sequencers"), ReadOnly]
    Task<SequencerPage> ListSequencersAsync(SequencerQuery query);

    /// <summary>The tenant's sequencers counted by status (from its index, no sequencer woken) and its publishers.</summary>
    [Alias("fleet"), ReadOnly]
    Task<TenantFleet> GetFleetAsync();

    /// <summary>The tenant's sequencers and publishers.</summary>
    [Alias("holdings")]
    Task<TenantHoldings> GetHoldingsAsync();
}

[GenerateSerializer, Immutable, Alias("hosting.tenant-profile")]
public sealed record TenantProfile(
    [property: Id(0)] string Id,
    [property: Id(1)] string DisplayName,
    [property: Id(2)] DateTimeOffset CreatedAt);

/// <summary>Rewards credited on L1 to a tenant's sequencers (their withdrawers' commission plus their delegators' share), in wei.</summary>
[GenerateSerializer, Immutable, Alias("hosting.reward-book")]
public sealed record RewardBook(
    [property: Id(0)] System.Numerics.BigInteger Total,
    [property: Id(1)] IReadOnlyDictionary<Address, System.Numerics.BigInteger> BySequencer);

[GenerateSerializer, Immutable, Alias("hosting.tenant-holdings")]
public sealed record TenantHoldings(
    [property: Id(0)] IReadOnlyList<Address> Sequencers,
    [property: Id(1)] IReadOnlyList<Address> Publishers);

/// <summary>Which sequencers to list: an optional status, a lower-case 0x-hex address prefix, and a 1-based page.</summary>
[GenerateSerializer, Immutable, Alias("hosting.sequencer-query")]
public sealed record SequencerQuery(
    [property: Id(0)] SequencerStatus? Status,
    [property: Id(1)] string AddressPrefix,
    [property: Id(2)] int Page,
    [property: Id(3)] int PageSize);

[GenerateSerializer, Immutable, Alias("hosting.sequencer-summary")]
public sealed record SequencerSummary(
    [property: Id(0)] Address Sequencer,
    [property: Id(1)] SequencerStatus Status);

/// <summary>A page of sequencers and how many matched in all.</summary>
[GenerateSerializer, Immutable, Alias("hosting.sequencer-page")]
public sealed record SequencerPage(
    [property: Id(0)] IReadOnlyList<SequencerSummary> Items,
    [property: Id(1)] int Total,
    [property: Id(2)] int Page,
    [property: Id(3)] int PageSize);
