namespace Hosting.Cluster.Tests.L1;

/// <summary>The tests that deploy infra/l1 run one after another: concurrent forge runs in one project wait on each other's build.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ChainCollection
{
    public const string Name = "L1 chain";
}
