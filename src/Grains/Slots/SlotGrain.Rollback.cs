using Hosting.Contracts.L1;
using Hosting.Contracts.Slots;
using Hosting.Contracts.Transactions;
using Hosting.L1;
using Microsoft.Extensions.Logging;

namespace Hosting.Grains.Slots;

/// <summary>
/// Reorgs: the follower removes the orphaned events newest first, and each removal rolls the slot back one step
/// (PROTOCOL.md: "A reorg or a failed slot sends the transaction back to stage 2").
/// </summary>
public sealed partial class SlotGrain
{
    public async Task<L1Reaction> RemoveAsync(L1Event l1Event)
    {
        var position = l1Event.Position.ToString();
        if (!state.State.Applied.Contains(position))
        {
            return NextWake();
        }
        state.State = state.State with { Applied = [.. state.State.Applied.Where(p => p != position)] };
        var before = Outcome;
        var resend = false;
        switch (l1Event.Kind)
        {
            case L1EventKind.BlockProposed:
                resend = await RollBackProposalAsync(l1Event);
                break;
            case L1EventKind.ProverCommitted when Outcome is SlotOutcome.Committed or SlotOutcome.Revealed or SlotOutcome.Finalised:
                // The authorisation stays signed for the same prover: while Commitment lasts it may commit again.
                await Bond().CommitmentRemovedAsync();
                state.State = state.State with { Outcome = (int)SlotOutcome.Canonical, CommittedProver = "" };
                await MoveHeldTransactionsAsync(TransactionStage.Proposed, $"the prover commitment of slot {Slot} was reorganised away", l1Event);
                break;
            case L1EventKind.BlockRevealed when Outcome is SlotOutcome.Revealed or SlotOutcome.Finalised:
                // The publisher sends the dropped reveal again once Reveal is the next block (it holds it until then), and
                // the slot checks on it every block while a reveal can land; one that misses Reveal sends the slot to backup.
                state.State = state.State with { Outcome = (int)SlotOutcome.Committed };
                resend = true;
                await MoveHeldTransactionsAsync(TransactionStage.Committed, $"the reveal of slot {Slot} was reorganised away", l1Event);
                break;
            case L1EventKind.BlockFinalized when Outcome == SlotOutcome.Finalised && !state.State.Final:
                if (state.State.CommittedProver.Length > 0)
                {
                    await Bond().ProofRemovedAsync();
                }
                state.State = state.State with { Outcome = (int)SlotOutcome.Revealed, L2BlockNumber = null, FinalisedBlock = null, FinalisedTransaction = "" };
                await MoveHeldTransactionsAsync(TransactionStage.Revealed, $"the proof of slot {Slot} was reorganised away", l1Event);
                break;
        }
        state.State = state.State with { LastError = $"{l1Event.Kind} at {position} was reorganised away: {before} → {Outcome}." };
        await state.WriteStateAsync();
        logger.LogWarning("Slot {Slot}: {Kind} at {Position} was reorganised away; {Before} -> {After}", Slot, l1Event.Kind, position, before, Outcome);
        if (resend)
        {
            await ResendAsync();
        }
        return NextWake();
    }

    /// <summary>
    /// A proposal left the chain: the best of the remaining ones is canonical. When it was ours, or ours is best
    /// again, the slot goes back to Proposed: the publisher sends the dropped proposal again (same signed payload)
    /// and the next wake settles the slot on what the new branch holds: canonical if ours landed while the Proposal
    /// phase lasted, else missed, and a missed slot gives its transactions back to the pool.
    /// </summary>
    /// <returns>Whether our proposal must be sent again.</returns>
    private async Task<bool> RollBackProposalAsync(L1Event removed)
    {
        var position = removed.Position.ToString();
        var remaining = state.State.Proposals.Where(p => p.Position != position).ToList();
        var best = remaining.MaxBy(Score);
        state.State = state.State with
        {
            Proposals = remaining,
            CanonicalSequencer = best?.Sequencer ?? "",
            CanonicalScore = best?.Score ?? "0",
        };
        if (Outcome is not (SlotOutcome.Proposed or SlotOutcome.Canonical or SlotOutcome.Outbid) || state.State.ProposalTransaction.Length == 0)
        {
            return false;
        }
        var oursStands = best is not null && best.Sequencer == state.State.Candidate;
        var oursRemoved = removed.Subject.ToString() == state.State.Candidate;
        if (oursStands && Outcome == SlotOutcome.Outbid)
        {
            state.State = state.State with { Outcome = (int)SlotOutcome.Proposed };
            await MoveHeldTransactionsAsync(TransactionStage.Proposed, $"the proposal that outbid slot {Slot}'s was reorganised away", removed);
        }
        else if (oursRemoved && Outcome is SlotOutcome.Proposed or SlotOutcome.Canonical)
        {
            state.State = state.State with { Outcome = (int)SlotOutcome.Proposed };
            await MoveHeldTransactionsAsync(TransactionStage.InPool, $"slot {Slot}'s proposal was reorganised away; it is sent again while the Proposal phase lasts", removed);
            return true;
        }
        return false;
    }

    private async Task MoveHeldTransactionsAsync(TransactionStage stage, string reason, L1Event? cause)
    {
        if (HoldsTransactions)
        {
            await MoveTransactionsAsync(stage, reason, cause);
        }
    }

    /// <summary>Asks the publisher to reconcile now, so a dropped proposal or reveal is sent again without waiting for its timer.</summary>
    private async Task ResendAsync()
    {
        try
        {
            await Publisher().CheckAsync();
        }
        catch (Exception exception) when (exception is L1Exception or InvalidOperationException)
        {
            logger.LogWarning(exception, "Slot {Slot}: the publisher could not re-send at once; its timer will", Slot);
        }
    }
}
