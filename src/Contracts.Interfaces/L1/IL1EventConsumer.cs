namespace Hosting.Contracts.L1;

/// <summary>
/// A grain the L1 follower delivers events to. Delivery is at least once; consumers make it exactly once by
/// remembering the positions (block hash, log index) they applied, and undo an event when a reorg removes it.
/// </summary>
[Alias("hosting.l1-consumer")]
public interface IL1EventConsumer : IGrainWithStringKey
{
    /// <summary>Applies <paramref name="l1Event"/> unless it was applied already.</summary>
    [Alias("apply")]
    Task<L1Reaction> ApplyAsync(L1Event l1Event);

    /// <summary>Undoes <paramref name="l1Event"/> (its block left the canonical chain) and whatever followed it.</summary>
    [Alias("remove")]
    Task<L1Reaction> RemoveAsync(L1Event l1Event);

    /// <summary>The chain reached block <paramref name="number"/>, a block this consumer asked to be woken at.</summary>
    [Alias("block")]
    Task<L1Reaction> OnBlockAsync(ulong number, Hosting.Contracts.Domain.Hash32 hash);
}
