namespace Hosting.Cluster.Tests.L1;

// The tests that run a cluster on an L1 chain take 5-120 s each and spend much of it waiting for blocks, forge and
// processes. Run one after another they were 14 of the CI run's 18 minutes, with the two cores 31 % busy. They now run
// in two lanes side by side, each lane one test class at a time:
// - the slot tests (many sequencers, silo processes killed and restarted: the CPU-heavy ones) in one lane, so no two
//   of them compete for the two cores;
// - the L1 and key tests, which mostly wait for blocks, in the other.
// The two tests that must keep up with one-second blocks in real time, and the one that asserts process-wide
// metrics, run alone after everything else: beside the slot lane they missed slots (CI run of 2026-11-26 16:41).
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
/// Tests that run alone, after every other: the two on one-second blocks in real time, and one that asserts unlabelled
/// platform metrics (hosting_tenants, readiness), which every silo in the process reports through the one meter.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AloneCollection
{
    public const string Name = "alone: real time and process-wide metrics";
}
