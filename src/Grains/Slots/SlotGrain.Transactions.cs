using System.Globalization;
using System.Numerics;
using Hosting.Contracts.Domain;
using Hosting.Contracts.L1;
using Hosting.Contracts.Slots;
using Hosting.Contracts.Tenants;
using Hosting.Contracts.Transactions;
using Hosting.L1;
using Microsoft.Extensions.DependencyInjection;

namespace Hosting.Grains.Slots;

/// <summary>
/// The slot's block contents (the pool's transactions and the tenant's upgrade signal) and the confirmation
/// stages of its transactions (PROTOCOL.md, stages 1-7): the block is built once and recorded before it is
/// signed; the rollup's events move the transactions on; a failed slot gives them back to the pool.
/// </summary>
public sealed partial class SlotGrain
{
    private ITransactionPoolGrain Pool => GrainFactory.GetGrain<ITransactionPoolGrain>(ITransactionPoolGrain.Key);

    /// <summary>
    /// The block to propose: built from the pool's reservation for this slot and recorded (data, previous archive,
    /// transaction hashes) before anything is signed; once recorded, rebuilt from that record, so a retry or a
    /// failed-over activation signs the identical block.
    /// </summary>
    private async Task<L2Block> BuildBlockAsync()
    {
        if (state.State.Data.Length > 0)
        {
            var recorded = state.State.UpgradeSignal.Length > 0 ? Hash32.Parse(state.State.UpgradeSignal) : Hash32.Zero;
            return BlockBuilder.FromData(Slot, Hash32.Parse(state.State.PreviousArchive), recorded, Hex.Decode(state.State.Data));
        }
        var step = DutySpans.Step("build tip", Slot);
        var tip = await Rollup.TipAsync();
        step?.Dispose();
        step = DutySpans.Step("build signal", Slot);
        var signal = await GrainFactory.GetGrain<IUpgradeSignalGrain>(state.State.Tenant).ForAsync(Address.Parse(state.State.Candidate));
        step?.Dispose();
        step = DutySpans.Step("build reserve", Slot);
        var transactions = await Pool.ReserveAsync(Slot);
        step?.Dispose();
        var block = BlockBuilder.Build(Slot, tip.Archive, signal, transactions);
        state.State = state.State with
        {
            PreviousArchive = block.PreviousArchive.ToString(),
            BlockHash = block.BlockHash.ToString(),
            Data = Hex.Encode(block.Data),
            Transactions = [.. block.Transactions.Select(h => h.ToString())],
            UpgradeSignal = signal.ToString(),
            TransactionsReleased = false,
        };
        using (DutySpans.Step("build record", Slot))
        // Without waiting for the WAL flush: the record exists so that a retry signs the same block, and nothing built
        // from it leaves before the signing gate's durable commit (same server, checked at silo start), which flushes
        // this commit with its own. Lost in a PostgreSQL crash before that, nothing was signed and the next attempt
        // builds afresh. The proposal's signature leaves only inside the transaction the publisher records durably.
        using (GrainStorage.OrderedBeforeDurableCommit())
        {
            await state.WriteStateAsync();
        }
        return block;
    }

    /// <summary>Moves the block's transactions after <paramref name="l1Event"/> was applied and the outcome went from <paramref name="before"/>.</summary>
    private async Task FollowTransactionsAsync(L1Event l1Event, SlotOutcome before)
    {
        if (l1Event.Kind == L1EventKind.BlockProposed)
        {
            var position = l1Event.Position.ToString();
            state.State = state.State with
            {
                Proposals = [.. state.State.Proposals.Where(p => p.Position != position), new SeenProposal
                {
                    Position = position,
                    Sequencer = l1Event.Subject.ToString(),
                    Score = l1Event.Amount.ToString(CultureInfo.InvariantCulture),
                }],
            };
        }
        // A transaction the publisher re-sent (fee bump, reorg) lands under another hash: show the one on L1.
        if (l1Event.Kind == L1EventKind.BlockProposed && l1Event.Subject.ToString() == state.State.Candidate && state.State.ProposalTransaction.Length > 0)
        {
            state.State = state.State with { ProposalTransaction = l1Event.TransactionHash.ToString() };
        }
        if (l1Event.Kind == L1EventKind.BlockRevealed && state.State.RevealTransaction.Length > 0)
        {
            state.State = state.State with { RevealTransaction = l1Event.TransactionHash.ToString() };
        }
        if (l1Event.Kind == L1EventKind.BlockFinalized && Outcome == SlotOutcome.Finalised)
        {
            state.State = state.State with { FinalisedBlock = l1Event.Position.BlockNumber, FinalisedTransaction = l1Event.TransactionHash.ToString() };
        }
        if (state.State.Transactions.Count == 0 || state.State.TransactionsReleased)
        {
            return;
        }
        var ours = state.State.CanonicalSequencer.Length > 0 && state.State.CanonicalSequencer == state.State.Candidate;
        switch (l1Event.Kind)
        {
            case L1EventKind.BlockProposed when ours && l1Event.Subject.ToString() == state.State.Candidate && Outcome is SlotOutcome.Proposed or SlotOutcome.Canonical:
                await MoveTransactionsAsync(TransactionStage.Proposed, $"in the best proposal of slot {Slot}", l1Event);
                break;
            case L1EventKind.BlockProposed when Outcome == SlotOutcome.Outbid && before != SlotOutcome.Outbid:
                await MoveTransactionsAsync(TransactionStage.InPool, $"slot {Slot} was outbid by {l1Event.Subject}; back to the pool when the Proposal phase ends", l1Event);
                break;
            case L1EventKind.ProverCommitted when Outcome == SlotOutcome.Committed:
                await MoveTransactionsAsync(TransactionStage.Committed, $"prover {l1Event.Subject} committed to slot {Slot}'s block", l1Event);
                break;
            case L1EventKind.BlockRevealed when Outcome == SlotOutcome.Revealed:
                await MoveTransactionsAsync(TransactionStage.Revealed, $"slot {Slot}'s block data is revealed", l1Event);
                break;
            case L1EventKind.BlockFinalized when Outcome == SlotOutcome.Finalised:
                await MoveTransactionsAsync(TransactionStage.Proven, $"slot {Slot}'s block is proven as L2 block {l1Event.Amount}", l1Event);
                break;
        }
    }

    /// <summary>
    /// At a block the slot was woken at: a slot that failed (outbid, missed, backup) gives its transactions back to
    /// the pool; a finalised one makes them final once the proving L1 block is FINALITY_DEPTH deep.
    /// </summary>
    private async Task SettleTransactionsAsync(ulong number)
    {
        if (state.State.Transactions.Count == 0 || state.State.TransactionsReleased)
        {
            return;
        }
        if (Outcome is SlotOutcome.Outbid or SlotOutcome.Missed or SlotOutcome.Backup or SlotOutcome.NotOurs)
        {
            await ReturnTransactionsAsync($"slot {Slot} failed ({Outcome})");
        }
        else if (Outcome == SlotOutcome.Finalised && !state.State.Final && state.State.FinalisedBlock is { } proven && number >= proven + chain.RequireDeployment().FinalityDepth)
        {
            await MoveTransactionsAsync(TransactionStage.Final, $"L1 block {proven} is {number - proven} blocks deep at block {number}",
                proven, Hash32.Parse(state.State.FinalisedTransaction));
            await Pool.SettleAsync(Slot);
            state.State = state.State with { Final = true };
            await state.WriteStateAsync();
        }
    }

    /// <summary>The block at which a finalised slot's transactions become final; null when there is none to wait for.</summary>
    private ulong? FinalityWake() =>
        Outcome == SlotOutcome.Finalised && !state.State.Final && state.State.Transactions.Count > 0 && state.State.FinalisedBlock is { } proven
            ? proven + chain.RequireDeployment().FinalityDepth
            : null;

    /// <summary>An outbid slot still holds its transactions until the Proposal phase ends (a reorg may yet make it canonical).</summary>
    private bool HoldsTransactions => state.State.Transactions.Count > 0 && !state.State.TransactionsReleased;

    private async Task ReturnTransactionsAsync(string reason, L1Event? cause = null)
    {
        await Pool.ReleaseAsync(Slot);
        state.State = state.State with { TransactionsReleased = true };
        await state.WriteStateAsync();
        await MoveTransactionsAsync(TransactionStage.InPool, reason + "; back in the pool", cause);
    }

    private Task MoveTransactionsAsync(TransactionStage stage, string reason, L1Event? cause) =>
        MoveTransactionsAsync(stage, reason, cause?.Position.BlockNumber, cause?.TransactionHash);

    private Task MoveTransactionsAsync(TransactionStage stage, string reason, ulong? l1Block, Hash32? l1Transaction)
    {
        var change = new StageChange(stage, Slot, l1Block, l1Transaction, reason, ServiceProvider.GetRequiredService<TimeProvider>().GetUtcNow());
        return Task.WhenAll(state.State.Transactions.Select(hash => GrainFactory.GetGrain<ITransactionGrain>(hash).MoveAsync(change)));
    }

    private static BigInteger Score(SeenProposal proposal) => BigInteger.Parse(proposal.Score, CultureInfo.InvariantCulture);
}
