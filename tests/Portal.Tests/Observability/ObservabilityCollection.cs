namespace Hosting.Portal.Tests.Observability;

/// <summary>
/// One devnet silo for every observability test: they record into the process-wide Hosting.Platform meter
/// and register process-wide gauge sources, so they run one after another rather than in parallel.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ObservabilityCollection : ICollectionFixture<DevnetSilo>
{
    public const string Name = "observability";
}
