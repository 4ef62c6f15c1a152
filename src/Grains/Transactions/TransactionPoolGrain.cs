using System.Globalization;
using System.Numerics;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Telemetry;
using Hosting.Contracts.Transactions;
using Hosting.Grains.Slots;
using Hosting.L1;

namespace Hosting.Grains.Transactions;

/// <summary>
/// The waiting transactions of the cluster. A slot's reservation is recorded before it is returned, so the slot
/// grain, or its successor after a failover, always gets the same block's worth back for the same slot.
/// </summary>
public sealed class TransactionPoolGrain(
    [PersistentState("pool", GrainStorage.Name)] IPersistentState<TransactionPoolState> state) : Grain, ITransactionPoolGrain
{
    public async Task<bool> AddAsync(PooledTransaction transaction)
    {
        var hash = transaction.Hash.ToString();
        if (state.State.Pending.Any(p => p.Hash == hash) || state.State.Reserved.Any(r => r.Transactions.Any(p => p.Hash == hash)))
        {
            return true;
        }
        if (state.State.Pending.Count >= TransactionRules.PoolCapacity)
        {
            return false;
        }
        var entry = new StoredPoolEntry { Hash = hash, Fee = transaction.Fee.ToString(CultureInfo.InvariantCulture), Blob = Hex.Encode(transaction.Blob) };
        state.State = state.State with { Pending = [.. state.State.Pending, entry] };
        await state.WriteStateAsync();
        return true;
    }

    public async Task<IReadOnlyList<PooledTransaction>> ReserveAsync(ulong slot)
    {
        using var span = PoolSpan("reserve", slot);
        if (state.State.Reserved.FirstOrDefault(r => r.Slot == slot) is { } reserved)
        {
            return reserved.Transactions.Select(Pooled).ToList();
        }
        var chosen = BlockBuilder.Choose(state.State.Pending.Select(Pooled));
        var hashes = chosen.Select(c => c.Hash.ToString()).ToHashSet();
        var entries = chosen.Select(c => state.State.Pending.First(p => p.Hash == c.Hash.ToString())).ToList();
        state.State = state.State with
        {
            Pending = [.. state.State.Pending.Where(p => !hashes.Contains(p.Hash))],
            Reserved = [.. state.State.Reserved, new SlotReservation { Slot = slot, Transactions = entries }],
        };
        // Without waiting for the WAL flush: the reservation matters only once the slot's block is signed, and the
        // signing gate's durable commit on the same server comes first and flushes this commit with its own. Lost in
        // a PostgreSQL crash before that, the transactions are simply pending again (their acceptance, AddAsync, is
        // a durable write), and no block that carries them was signed.
        using (GrainStorage.OrderedBeforeDurableCommit())
        {
            await state.WriteStateAsync();
        }
        return chosen;
    }

    public async Task ReleaseAsync(ulong slot)
    {
        using var span = PoolSpan("release", slot);
        if (state.State.Reserved.FirstOrDefault(r => r.Slot == slot) is not { } reserved)
        {
            return;
        }
        state.State = state.State with
        {
            Pending = [.. state.State.Pending, .. reserved.Transactions],
            Reserved = [.. state.State.Reserved.Where(r => r.Slot != slot)],
        };
        await state.WriteStateAsync();
    }

    public async Task SettleAsync(ulong slot)
    {
        using var span = PoolSpan("settle", slot);
        if (state.State.Reserved.All(r => r.Slot != slot))
        {
            return;
        }
        state.State = state.State with { Reserved = [.. state.State.Reserved.Where(r => r.Slot != slot)] };
        await state.WriteStateAsync();
    }

    // The pool's own turn, tagged with the slot it serves: set against the caller's span it shows how long a call
    // queued behind the pool's other work.
    private static System.Diagnostics.Activity? PoolSpan(string name, ulong slot) =>
        HostingTelemetry.ActivitySource.StartActivity($"pool {name}")?.SetTag("hosting.slot", slot);

    public Task<TransactionPoolView> GetAsync() => Task.FromResult(new TransactionPoolView(
        state.State.Pending.Count, state.State.Reserved.ToDictionary(r => r.Slot, r => r.Transactions.Count)));

    private static PooledTransaction Pooled(StoredPoolEntry entry) =>
        new(Hash32.Parse(entry.Hash), BigInteger.Parse(entry.Fee, CultureInfo.InvariantCulture), Hex.Decode(entry.Blob));
}
