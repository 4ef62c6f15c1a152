namespace Hosting.Cluster.Tests.L1;

// The tests that run a cluster on an L1 chain take 5-120 s each. Run one after another they were 14 of the CI run's 18
// minutes, with the two cores 31 % busy on average: most of these tests wait for blocks, forge and processes. A few
// keep both cores busy, and those slowed down 2-3x beside anything else and missed slots (CI run of 2026-11-26 16:41).
// So:
// - the slot tests and the L1 and key tests run in two lanes side by side, each lane one test class at a time;
// - the CPU-heavy ones (300 sequencers over 30 slots, silo processes killed with SIGKILL), the two that must keep
//   up with one-second blocks in real time, and the one that asserts process-wide metrics run alone, after the rest.
// `./hosting test` builds infra/l1 before the tests, so concurrent deploys find forge's artifacts cached.

/// <summary>The L1 and key tests' lane. StandaloneKeymanagerTests and StandalonePublisherTests both set the silos' static log sink, so both are here.</summary>
[CollectionDefinition(Name)]
public sealed class ChainCollection
{
    public const string Name = "L1 chain: L1 and key tests";
}

/// <summary>The slot tests' lane.</summary>
[CollectionDefinition(Name)]
public sealed class SlotChainCollection
{
    public const string Name = "L1 chain: slot tests";
}

/// <summary>
/// Tests that run alone, after every other: the CPU-heavy ones, the two on one-second blocks in real time, and one that
/// asserts unlabelled platform metrics (hosting_tenants, readiness), which every silo in the process reports through the one meter.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AloneCollection
{
    public const string Name = "alone: CPU-heavy, real time, process-wide metrics";
}
