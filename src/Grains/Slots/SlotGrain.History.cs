using Hosting.Contracts.Domain;
using Hosting.Contracts.Slots;
using Microsoft.Extensions.Logging;

namespace Hosting.Grains.Slots;

/// <summary>
/// The tenant's slot history: after every call that moved this slot's outcome, the slot tells the history grain
/// of the tenant whose sequencer it is (one place for every transition, whichever call made it). Slots that were
/// never the platform's (NotOurs from the forecast on) are not recorded. A history write that fails is logged and
/// does not fail the slot: the history is a view, the slot's own state is the truth.
/// </summary>
public sealed partial class SlotGrain : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        var before = Outcome;
        try
        {
            await context.Invoke();
        }
        finally
        {
            var after = Outcome;
            if (after != before && state.State.Tenant is { Length: > 0 } tenant && !(after == SlotOutcome.NotOurs && before <= SlotOutcome.NotOurs))
            {
                await RecordHistoryAsync(tenant, after);
            }
        }
    }

    private async Task RecordHistoryAsync(string tenant, SlotOutcome outcome)
    {
        var s = state.State;
        var entry = new SlotHistoryEntry(Slot, Address.TryParse(s.Candidate, out var candidate) ? candidate : null, outcome, s.L2BlockNumber,
            Hash32.TryParse(s.ProposalTransaction, out var proposal) ? proposal : null, s.LastError.Length > 0 ? s.LastError : null, clock.GetUtcNow());
        try
        {
            await GrainFactory.GetGrain<ISlotHistoryGrain>(tenant).RecordAsync(entry);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning("Slot {Slot}: the history of tenant {Tenant} did not take outcome {Outcome}: {Error}", Slot, tenant, outcome, e.Message);
        }
    }
}
