using System.Globalization;
using System.Numerics;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Transactions;
using Hosting.Grains.Slots;

namespace Hosting.Grains.Transactions;

/// <summary>One submitted L2 transaction: accepts it once into the pool and keeps its confirmation stages.</summary>
public sealed class TransactionGrain(
    [PersistentState("tx", GrainStorage.Name)] IPersistentState<TransactionState> state,
    TimeProvider clock) : Grain, ITransactionGrain
{
    private Hash32 Hash => Hash32.Parse(this.GetPrimaryKeyString());

    public async Task<SubmitResult> SubmitAsync(byte[] blob, BigInteger fee)
    {
        if (state.State.Stage != 0)
        {
            return new SubmitResult(SubmitOutcome.Duplicate, View());
        }
        if (BlockBuilder.TransactionHash(blob) != Hash)
        {
            throw new ArgumentException($"The blob hashes to {BlockBuilder.TransactionHash(blob)}, not to this grain's key {Hash}.", nameof(blob));
        }
        if (blob.Length is 0 or > TransactionRules.MaxTransactionBytes || fee < TransactionRules.MinimumFee)
        {
            throw new ArgumentException($"A transaction has 1 to {TransactionRules.MaxTransactionBytes} bytes and a fee of at least {TransactionRules.MinimumFee} wei; got {blob.Length} bytes and {fee}.");
        }
        // Into the pool first: the add is idempotent by hash, so a crash before the write below loses nothing.
        if (!await GrainFactory.GetGrain<ITransactionPoolGrain>(ITransactionPoolGrain.Key).AddAsync(new PooledTransaction(Hash, fee, blob)))
        {
            return new SubmitResult(SubmitOutcome.PoolFull, null);
        }
        state.State = new TransactionState
        {
            Stage = (int)TransactionStage.InPool,
            Fee = fee.ToString(CultureInfo.InvariantCulture),
            Size = blob.Length,
            History = [new StoredStageChange { Stage = (int)TransactionStage.InPool, Reason = "accepted into the pool", At = clock.GetUtcNow() }],
        };
        await state.WriteStateAsync();
        return new SubmitResult(SubmitOutcome.Accepted, View());
    }

    public async Task MoveAsync(StageChange change)
    {
        var last = state.State.History.Count > 0 ? state.State.History[^1] : null;
        // Already there for this slot (an outbid slot's release after its outbid, a repeated delivery): nothing moves.
        if (state.State.Stage == 0 || (last is not null && last.Stage == (int)change.Stage && last.Slot == change.Slot))
        {
            return;
        }
        state.State = state.State with
        {
            Stage = (int)change.Stage,
            History = [.. state.State.History, new StoredStageChange
            {
                Stage = (int)change.Stage,
                Slot = change.Slot,
                L1Block = change.L1Block,
                L1Transaction = change.L1Transaction?.ToString() ?? "",
                Reason = change.Reason,
                At = change.At,
            }],
        };
        await state.WriteStateAsync();
    }

    public Task<TransactionView?> GetAsync() => Task.FromResult(state.State.Stage == 0 ? null : View());

    private TransactionView View()
    {
        var history = state.State.History.Select(h => new StageChange((TransactionStage)h.Stage, h.Slot, h.L1Block,
            h.L1Transaction.Length > 0 ? Hash32.Parse(h.L1Transaction) : null, h.Reason, h.At)).ToList();
        return new TransactionView(Hash, BigInteger.Parse(state.State.Fee, CultureInfo.InvariantCulture), state.State.Size,
            (TransactionStage)state.State.Stage, history.Count > 0 ? history[^1].Slot : null, history);
    }
}
