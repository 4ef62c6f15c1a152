using Hosting.Contracts.Domain;

namespace Hosting.Contracts.Tenants;

/// <summary>
/// A tenant's upgrade-signal policy (PROTOCOL.md, "Upgrade voting"), keyed by the tenant id: the payload its
/// sequencers' proposals carry, with per-sequencer exceptions. Zero abstains, the default.
/// </summary>
[Alias("hosting.upgrade-signal")]
public interface IUpgradeSignalGrain : IGrainWithStringKey
{
    /// <summary>Sets the tenant's signal (<paramref name="sequencer"/> null) or one sequencer's; zero for a sequencer falls back to the tenant's.</summary>
    [Alias("set")]
    Task<UpgradeSignalPolicy> SetAsync(Address? sequencer, Hash32 payload);

    /// <summary>The payload a proposal by <paramref name="sequencer"/> carries.</summary>
    [Alias("for")]
    Task<Hash32> ForAsync(Address sequencer);

    [Alias("get")]
    Task<UpgradeSignalPolicy> GetAsync();
}

[GenerateSerializer, Immutable, Alias("hosting.upgrade-signal-policy")]
public sealed record UpgradeSignalPolicy(
    [property: Id(0)] Hash32 Tenant,
    [property: Id(1)] IReadOnlyList<SequencerSignal> Sequencers);

[GenerateSerializer, Immutable, Alias("hosting.sequencer-signal")]
public sealed record SequencerSignal([property: Id(0)] Address Sequencer, [property: Id(1)] Hash32 Payload);
