using Hosting.Contracts.Domain;

namespace Hosting.Contracts.Slots;

/// <summary>
/// A tenant's recent slots (keyed by tenant id): every slot one of its sequencers was to propose in, with the
/// outcome it reached, newest first. Written by the slot grain each time a slot's outcome moves; bounded to the
/// last <see cref="Capacity"/> slots. The full detail of a slot stays with its <see cref="ISlotGrain"/>.
/// </summary>
[Alias("hosting.slot-history")]
public interface ISlotHistoryGrain : IGrainWithStringKey
{
    /// <summary>How many slots are kept.</summary>
    const int Capacity = 500;

    /// <summary>Records the slot's current outcome (replacing what was recorded for that slot).</summary>
    [Alias("record")]
    Task RecordAsync(SlotHistoryEntry entry);

    /// <summary>The newest <paramref name="limit"/> slots, newest first.</summary>
    [Alias("recent")]
    Task<IReadOnlyList<SlotHistoryEntry>> RecentAsync(int limit);
}

/// <summary>One slot as the tenant sees it: who was to propose, how far it got, and why it stopped if it did.</summary>
[GenerateSerializer, Immutable, Alias("hosting.slot-history-entry")]
public sealed record SlotHistoryEntry(
    [property: Id(0)] ulong Slot,
    [property: Id(1)] Address? Sequencer,
    [property: Id(2)] SlotOutcome Outcome,
    [property: Id(3)] ulong? L2BlockNumber,
    [property: Id(4)] Hash32? ProposalTransaction,
    [property: Id(5)] string? Note,
    [property: Id(6)] DateTimeOffset At);
