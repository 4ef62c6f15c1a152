namespace Hosting.Cluster.Tests.L1;

// The tests that run a cluster on an L1 chain take 5-120 s each and spend most of it waiting for blocks, forge and
// processes, not computing: run one after another they were 14 of the CI run's 18 minutes, on two cores mostly idle.
// They run in two lanes side by side, each lane one test class at a time, balanced by the durations a CI run
// recorded (about 415 s each). Tests that read state shared by every silo in this process stay together in one lane
// or run alone. `./hosting test` builds infra/l1 before the tests, so concurrent deploys find forge's artifacts cached.

/// <summary>Lane A of the chain tests. StandaloneKeymanagerTests and StandalonePublisherTests both set the silos' static log sink, so both are here.</summary>
[CollectionDefinition(Name)]
public sealed class ChainCollection
{
    public const string Name = "L1 chain, lane A";
}

/// <summary>Lane B of the chain tests.</summary>
[CollectionDefinition(Name)]
public sealed class ChainLaneB
{
    public const string Name = "L1 chain, lane B";
}

/// <summary>
/// Tests that assert unlabelled platform metrics (hosting_tenants, readiness), which every silo in the process
/// reports through the one meter: they run alone, after everything else.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessWideMetricsCollection
{
    public const string Name = "process-wide metrics, alone";
}
