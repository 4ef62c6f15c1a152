using Hosting.Contracts.Slots;

namespace Hosting.Grains.Slots;

/// <summary>One tenant's last <see cref="ISlotHistoryGrain.Capacity"/> slots, stored, one entry per slot.</summary>
public sealed class SlotHistoryGrain(
    [PersistentState("slot-history", GrainStorage.Name)] IPersistentState<SlotHistoryState> state) : Grain, ISlotHistoryGrain
{
    public async Task RecordAsync(SlotHistoryEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var entries = state.State.Entries.Where(e => e.Slot != entry.Slot).Append(entry)
            .OrderByDescending(e => e.Slot).Take(ISlotHistoryGrain.Capacity).ToList();
        state.State = new SlotHistoryState { Entries = entries };
        await state.WriteStateAsync();
    }

    public Task<IReadOnlyList<SlotHistoryEntry>> RecentAsync(int limit) =>
        Task.FromResult<IReadOnlyList<SlotHistoryEntry>>([.. state.State.Entries.Take(Math.Clamp(limit, 0, ISlotHistoryGrain.Capacity))]);
}

[GenerateSerializer, Alias("hosting.slot-history-state.v1")]
public sealed record SlotHistoryState
{
    [Id(0)] public List<SlotHistoryEntry> Entries { get; init; } = [];
}
