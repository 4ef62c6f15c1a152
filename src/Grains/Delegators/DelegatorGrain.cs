using System.Globalization;
using System.Numerics;
using Hosting.Contracts.Delegators;
using Hosting.Contracts.Domain;
using Hosting.Contracts.L1;
using Hosting.Grains.L1;

namespace Hosting.Grains.Delegators;

/// <summary>A delegator's positions folded from the Delegated / Undelegated / UndelegatedWithdrawn facts L1 confirmed, undone fact by fact on reorgs.</summary>
public sealed class DelegatorGrain(
    [PersistentState("delegator", GrainStorage.Name)] IPersistentState<DelegatorState> state) : Grain, IDelegatorGrain
{
    public async Task<L1Reaction> ApplyAsync(L1Event l1Event)
    {
        if (IndexOf(l1Event) < 0)
        {
            state.State = state.State with { Facts = [.. state.State.Facts, StoredEvent.From(l1Event)] };
            await state.WriteStateAsync();
        }
        return L1Reaction.None;
    }

    public async Task<L1Reaction> RemoveAsync(L1Event l1Event)
    {
        var index = IndexOf(l1Event);
        if (index >= 0)
        {
            state.State = state.State with { Facts = state.State.Facts[..index] };
            await state.WriteStateAsync();
        }
        return L1Reaction.None;
    }

    public Task<L1Reaction> OnBlockAsync(ulong number, Hash32 hash) => Task.FromResult(L1Reaction.None);

    public Task<DelegatorView> GetAsync()
    {
        var positions = new Dictionary<string, BigInteger>();
        var withdrawals = new List<Undelegation>();
        foreach (var fact in state.State.Facts)
        {
            var amount = BigInteger.Parse(fact.Amount, CultureInfo.InvariantCulture);
            var current = positions.GetValueOrDefault(fact.Counterparty);
            if ((L1EventKind)fact.Kind == L1EventKind.Delegated)
            {
                positions[fact.Counterparty] = current + amount;
            }
            else if ((L1EventKind)fact.Kind == L1EventKind.Undelegated)
            {
                positions[fact.Counterparty] = current - amount;
                withdrawals.Add(new Undelegation(Address.Parse(fact.Counterparty), amount, fact.Block));
            }
            else if ((L1EventKind)fact.Kind == L1EventKind.UndelegatedWithdrawn)
            {
                // withdrawUndelegated pays every undelegation unlocked by its block, all at once.
                withdrawals.RemoveAll(w => w.UnlockBlock <= fact.Block);
            }
        }
        return Task.FromResult(new DelegatorView(Address.Parse(this.GetPrimaryKeyString()),
            [.. positions.Where(p => p.Value > 0).Select(p => new Delegation(Address.Parse(p.Key), p.Value))], withdrawals));
    }

    private int IndexOf(L1Event e)
    {
        var hash = e.Position.BlockHash.ToString();
        return state.State.Facts.FindIndex(f => f.BlockHash == hash && f.LogIndex == e.Position.LogIndex);
    }
}

[GenerateSerializer, Alias("hosting.delegator-state.v1")]
public sealed record DelegatorState
{
    [Id(0)] public List<StoredEvent> Facts { get; init; } = [];
}
