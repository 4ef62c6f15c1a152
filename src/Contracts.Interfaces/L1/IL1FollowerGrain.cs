using Hosting.Contracts.Domain;

namespace Hosting.Contracts.L1;

/// <summary>
/// The one L1 follower of the cluster (key <see cref="Key"/>): Orleans keeps a single activation, a grain
/// timer keeps it busy and a reminder re-activates it on another silo after a silo is lost.
/// </summary>
[Alias("hosting.l1-follower")]
public interface IL1FollowerGrain : IGrainWithStringKey
{
    public const string Key = "l1";

    /// <summary>Makes sure the follower runs (idempotent); silos call it at start and on every new head.</summary>
    [Alias("poke")]
    Task PokeAsync();

    /// <summary>Where the follower stands.</summary>
    [Alias("get")]
    Task<L1FollowerView> GetAsync();
}

[GenerateSerializer, Immutable, Alias("hosting.l1-follower-view")]
public sealed record L1FollowerView(
    [property: Id(0)] bool Configured,
    [property: Id(1)] ulong? LastBlock,
    [property: Id(2)] Hash32? LastHash,
    [property: Id(3)] long EventsDelivered,
    [property: Id(4)] long EventsRemoved,
    [property: Id(5)] long Reorgs,
    [property: Id(6)] string? LastError,
    [property: Id(7)] string Silo);
