using System.Globalization;
using System.Numerics;
using Hosting.Contracts.Domain;
using Hosting.Contracts.L1;
using Hosting.Contracts.Publishers;
using Hosting.Contracts.Sequencers;
using Hosting.Contracts.Slots;
using Hosting.Contracts.Telemetry;
using Hosting.Grains.Election;
using Hosting.Grains.L1;
using Hosting.L1;
using Hosting.L1.Contracts;
using Microsoft.Extensions.Logging;

namespace Hosting.Grains.Slots;

/// <summary>
/// Drives one slot for every tenant: forecast from the seed, build and propose when a hosted sequencer ranks
/// first, stand down when outbid, pick a prover from the quotes and authorise it, reveal the data, follow the
/// proof to finalisation and hand a missed proof to the bond grain. It acts on the blocks the follower wakes
/// it at (the phase starts of its schedule) and on the rollup's events of its slot.
/// </summary>
public sealed partial class SlotGrain(
    [PersistentState("slot", GrainStorage.Name)] IPersistentState<SlotState> state,
    L1Chain chain,
    ActiveSetSync activeSet,
    IDutySigner signer,
    ProofBoostOptions proofBoost,
    TimeProvider clock,
    ILogger<SlotGrain> logger) : Grain, ISlotGrain
{
    private IGrainTimer? _fallback;

    private ulong Slot => ulong.Parse(this.GetPrimaryKeyString(), CultureInfo.InvariantCulture);
    private SlotSchedule Schedule => chain.RequireDeployment().Schedule
        ?? throw new InvalidOperationException("The deployment file has no slot schedule (genesisBlock and phase lengths); redeploy infra/l1.");
    private SlotOutcome Outcome => (SlotOutcome)state.State.Outcome;
    private FernetRollupContract Rollup => new(chain.RequireClient(), chain.RequireDeployment().Rollup);
    private CommitmentAuthoriser Authoriser => new(state, chain, signer, GrainFactory, proofBoost, clock, Slot);

    public async Task<L1Reaction> ForecastAsync()
    {
        if (Outcome != SlotOutcome.Unknown)
        {
            return NextWake();
        }
        await RankAsync();
        if (Outcome == SlotOutcome.NotOurs)
        {
            DeactivateOnIdle();
        }
        return NextWake();
    }

    /// <summary>
    /// Ranks the slot's seed against the silo's index: <see cref="SlotOutcome.Forecast"/> when a hosted
    /// sequencer ranks first among all active sequencers, else <see cref="SlotOutcome.NotOurs"/>.
    /// </summary>
    private async Task RankAsync()
    {
        var seed = Word(await Rollup.SeedOfAsync(Slot));
        var index = await activeSet.RefreshAsync(GrainFactory);
        var slot = Slot;
        var ranking = await Task.Run(() => index.Rank(slot, seed));
        var best = ranking.Hosted.Count > 0 ? ranking.Hosted[0] : (HostedRank?)null;
        state.State = state.State with
        {
            Seed = seed.ToString(),
            ActiveCount = ranking.ActiveCount,
            Leader = ranking.Leader?.Sequencer.ToString() ?? "",
            Candidate = best?.Sequencer.ToString() ?? "",
            Tenant = best?.TenantId ?? "",
            CandidateScore = best is { } b ? new BigInteger(b.Score.ToHash32().ToArray(), isUnsigned: true, isBigEndian: true).ToString(CultureInfo.InvariantCulture) : "0",
            CandidateRank = best?.Rank ?? 0,
            Outcome = (int)(best is { Rank: 1 } ? SlotOutcome.Forecast : SlotOutcome.NotOurs),
        };
        if (best is { Rank: 1 } winner)
        {
            PlatformMetrics.ForecastWin(winner.TenantId);
            var view = await GrainFactory.GetGrain<ISequencerGrain>(winner.Sequencer.ToString()).GetAsync();
            // A sequencer registered outside the platform and imported since has no publisher on record: its
            // withdrawer's account sends, as for its exit.
            state.State = state.State with { Publisher = (view?.Publisher ?? view?.Withdrawer)?.ToString() ?? "" };
        }
        await state.WriteStateAsync();
    }

    public async Task<L1Reaction> OnBlockAsync(ulong number, Hash32 hash)
    {
        var phase = Schedule.PhaseAt(Slot, number);
        // A transaction sent now is mined in the next block at the earliest, so the duties that race a phase act on
        // the phase of that block: with two-block Commitment and Reveal phases, a prover authorised or a reveal sent
        // only once the phase's first block is the head lands in its last block or misses it.
        var landing = Schedule.PhaseAt(Slot, number + 1);
        try
        {
            switch (Outcome, phase)
            {
                case (SlotOutcome.Forecast, _) when landing == SlotPhase.Proposal:
                    // Proposed from the block before the phase opens, so the proposal lands in the phase's first block:
                    // the previous slot's last block is then mined, so the chain tip the block builds on is settled.
                    await ProposeAsync();
                    break;
                case (SlotOutcome.NotOurs, _) when !state.State.Rechecked && landing >= SlotPhase.Proposal:
                    // The forecast saw the active set LAG slots ago; a hosted sequencer that became active since
                    // (or a leader that exited) may make the slot ours now. Ranked once more, as the proposal is due.
                    state.State = state.State with { Rechecked = true, Outcome = (int)SlotOutcome.Unknown };
                    await RankAsync();
                    if (Outcome == SlotOutcome.Forecast && landing == SlotPhase.Proposal)
                    {
                        await ProposeAsync();
                    }
                    break;
                case (SlotOutcome.Forecast or SlotOutcome.Proposed, _) when landing >= SlotPhase.Commitment:
                    // The Proposal phase's last block is followed: no proposal can land any more, the best one is
                    // canonical, and the prover is authorised now so its commitment can land in Commitment's first block.
                    await SettleProposalAsync();
                    if (Outcome == SlotOutcome.Canonical && landing == SlotPhase.Commitment)
                    {
                        await AuthoriseProverAsync(number);
                    }
                    break;
                case (SlotOutcome.Canonical, _) when landing == SlotPhase.Commitment:
                    await AuthoriseProverAsync(number);
                    break;
                case (SlotOutcome.Canonical, _) when landing >= SlotPhase.Reveal:
                    // Commitment's last block is followed without a commitment: none can land any more.
                    await Authoriser.LapsedAsync();
                    PlatformMetrics.CommitmentSettled(state.State.Tenant, CommitmentOutcome.Missed);
                    await SettleAsync(SlotOutcome.Backup, BackupReason.NoCommitment);
                    break;
                case (SlotOutcome.Committed, _) when landing == SlotPhase.Reveal:
                    await RevealAsync();
                    break;
                case (SlotOutcome.Committed, _) when landing >= SlotPhase.Proving:
                    await SettleAsync(SlotOutcome.Backup, BackupReason.NoReveal);
                    break;
                case (SlotOutcome.Revealed, >= SlotPhase.Backup):
                    await Bond().CheckDeadlineAsync(number);
                    await SettleAsync(SlotOutcome.Backup, BackupReason.NoProof);
                    break;
            }
            await SettleTransactionsAsync(number);
        }
        catch (Exception exception) when (exception is L1Exception or L1RevertException or RequestRefusedException or InvalidOperationException
            or Hosting.Signing.KeyBackendException or Hosting.Signing.SigningRefusedException)
        {
            // The duty is retried on the next block while a transaction sent then still lands in the same phase. A duty
            // signed on this silo fails with the backend's own error (a vault answering 403 or 500, an HSM without its
            // token) or the gate's refusal (an emergency stop): recorded here like any other, never thrown at the L1
            // follower, whose step would stop for every slot and tenant after this one.
            logger.LogWarning(exception, "Slot {Slot}: {Outcome} at block {Block} failed", Slot, Outcome, number);
            state.State = state.State with { LastError = $"{exception.GetType().Name}: {exception.Message}" };
            await state.WriteStateAsync();
            return Schedule.PhaseAt(Slot, number + 2) == landing ? L1Reaction.WakeAt(number + 1) : NextWake(number);
        }
        return NextWake(number);
    }

    public async Task<L1Reaction> ApplyAsync(L1Event l1Event)
    {
        var position = l1Event.Position.ToString();
        if (state.State.Applied.Contains(position))
        {
            return NextWake();
        }
        state.State = state.State with { Applied = [.. state.State.Applied, position] };
        var before = Outcome;
        switch (l1Event.Kind)
        {
            case L1EventKind.BlockProposed when l1Event.Amount > BigInteger.Parse(state.State.CanonicalScore, CultureInfo.InvariantCulture):
                state.State = state.State with
                {
                    CanonicalSequencer = l1Event.Subject.ToString(),
                    CanonicalScore = l1Event.Amount.ToString(CultureInfo.InvariantCulture),
                };
                if (Outcome is SlotOutcome.Forecast or SlotOutcome.Proposed && l1Event.Subject.ToString() != state.State.Candidate)
                {
                    // Someone outside our index scores higher: stand down, nothing more is sent for this slot.
                    if (Outcome == SlotOutcome.Proposed)
                    {
                        PlatformMetrics.ProposalSettled(state.State.Tenant, ProposalOutcome.Outbid);
                    }
                    state.State = state.State with { Outcome = (int)SlotOutcome.Outbid };
                }
                else if (Outcome == SlotOutcome.Forecast)
                {
                    state.State = state.State with { Outcome = (int)SlotOutcome.Proposed };
                }
                break;
            case L1EventKind.ProverCommitted when Outcome is SlotOutcome.Canonical or SlotOutcome.Proposed:
                state.State = state.State with { CommittedProver = l1Event.Subject.ToString(), Outcome = (int)SlotOutcome.Committed };
                PlatformMetrics.CommitmentSettled(state.State.Tenant, CommitmentOutcome.Committed);
                await Bond(l1Event.Subject).EscrowedAsync(state.State.Tenant, Address.Parse(state.State.Publisher), l1Event.Amount, Schedule.BackupStart(Slot));
                break;
            case L1EventKind.BlockRevealed when Outcome == SlotOutcome.Committed:
                state.State = state.State with { Outcome = (int)SlotOutcome.Revealed };
                break;
            case L1EventKind.BlockFinalized when Outcome is SlotOutcome.Committed or SlotOutcome.Revealed:
                // Finalised ends the slot well: an error met on the way (a failed retry, a reorg undone since) is history now.
                state.State = state.State with { Outcome = (int)SlotOutcome.Finalised, L2BlockNumber = (ulong)l1Event.Amount, LastError = "" };
                PlatformMetrics.BlockFinalised(state.State.Tenant);
                if (state.State.CommittedProver.Length > 0)
                {
                    await Bond().ReleasedAsync();
                }
                break;
            case L1EventKind.BondSlashed when state.State.CommittedProver.Length > 0:
                await Bond().SlashedAsync();
                break;
            case L1EventKind.BackupBlockFinalized when state.State.Tenant.Length > 0 && BackupReasonOf() is { } reason:
                // Our slot was finalised by a backup block (ours or anyone's): counted once, by why Backup opened.
                PlatformMetrics.BackupBlockFinalised(state.State.Tenant, reason);
                break;
        }
        await FollowTransactionsAsync(l1Event, before);
        await state.WriteStateAsync();
        return NextWake();
    }

    public async Task<QuoteAnswer> QuoteAsync(ProverQuote quote)
    {
        if (quote.Slot != Slot)
        {
            return new QuoteAnswer(false, $"The quote is for slot {quote.Slot}, not slot {Slot}.", QuoteRefusal.WrongSlot);
        }
        if (Outcome is SlotOutcome.Unknown or SlotOutcome.NotOurs)
        {
            return new QuoteAnswer(false, $"The platform has no duty in slot {Slot}: {(Outcome == SlotOutcome.Unknown ? "it is not forecast yet" : "no hosted sequencer leads it")}.", QuoteRefusal.SlotNotOurs);
        }
        if (Outcome is not (SlotOutcome.Forecast or SlotOutcome.Proposed or SlotOutcome.Canonical))
        {
            // Quotes stay welcome until a prover commits: a late one may still serve as the fallback.
            return new QuoteAnswer(false, $"Slot {Slot} takes no more quotes: it is {Outcome}.", QuoteRefusal.Closed);
        }
        if (QuoteText.FindProblem(quote, chain.RequireDeployment().Rollup) is { } problem)
        {
            return new QuoteAnswer(false, problem, QuoteRefusal.BadSignature);
        }
        if (quote.ExpiryBlock < Schedule.CommitmentStart(Slot))
        {
            return new QuoteAnswer(false, $"The quote expires at block {quote.ExpiryBlock}, before slot {Slot}'s Commitment phase starts at {Schedule.CommitmentStart(Slot)}.", QuoteRefusal.Expired);
        }
        var stored = new StoredQuote
        {
            Prover = quote.Prover.ToString(),
            Fee = quote.Fee.ToString(CultureInfo.InvariantCulture),
            Bond = quote.Bond.ToString(CultureInfo.InvariantCulture),
            ExpiryBlock = quote.ExpiryBlock,
        };
        state.State = state.State with { Quotes = [.. state.State.Quotes.Where(q => q.Prover != stored.Prover), stored] };
        await state.WriteStateAsync();
        PlatformMetrics.QuoteReceived(state.State.Tenant);
        return new QuoteAnswer(true, "kept");
    }

    public Task<CommitmentAuthorisation?> AuthorisationForAsync(Address prover) => Task.FromResult(Authoriser.For(prover));

    public async Task<BackupAnswer> BackupAnswerAsync()
    {
        var (tenant, _) = BackupRule.WinningTenant(state.State);
        // Read at each question, so a tenant who changes its policy while backup is open is obeyed from the next one.
        var policy = tenant is null ? (BackupPolicy?)null : (await GrainFactory.GetGrain<IProverPolicyGrain>(tenant).GetAsync()).Backup;
        var answer = BackupRule.Answer(Slot, state.State, policy);
        if (tenant is not null && answer.Verdict is BackupVerdict.Submit or BackupVerdict.Skip)
        {
            var decision = answer.Verdict == BackupVerdict.Submit ? BackupDecision.Submit : BackupDecision.SkippedByPolicy;
            var bit = 1 << (int)decision;
            if ((state.State.BackupDecisionsCounted & bit) == 0)
            {
                // Recorded before counting: a failed write leaves the decision uncounted rather than counted twice.
                state.State = state.State with { BackupDecisionsCounted = state.State.BackupDecisionsCounted | bit };
                await state.WriteStateAsync();
                PlatformMetrics.BackupDecided(tenant, decision);
                logger.LogInformation("Slot {Slot}: backup decision for tenant {Tenant}: {Decision}", Slot, tenant, decision);
            }
        }
        return answer;
    }

    public Task<SlotView> GetAsync()
    {
        var s = state.State;
        SlotForecast? forecast = s.Seed.Length == 0 ? null : new SlotForecast(Slot, Hash32.Parse(s.Seed), s.ActiveCount,
            Maybe(s.Candidate), s.Tenant.Length > 0 ? s.Tenant : null, BigInteger.Parse(s.CandidateScore, CultureInfo.InvariantCulture), s.CandidateRank, Maybe(s.Leader));
        return Task.FromResult(new SlotView(Slot, Outcome, forecast, MaybeHash(s.BlockHash), MaybeHash(s.ProposalTransaction),
            Maybe(s.CanonicalSequencer), BigInteger.Parse(s.CanonicalScore, CultureInfo.InvariantCulture), Maybe(s.ChosenProver),
            Maybe(s.CommittedProver), MaybeHash(s.RevealTransaction), s.L2BlockNumber, s.Quotes.Count, s.LastError.Length > 0 ? s.LastError : null));
    }

    private async Task ProposeAsync()
    {
        if (state.State.ProposalTransaction.Length > 0)
        {
            return;
        }
        // The duty's trace: one span, a child per step, so the time from the L1 block to the send can be split.
        using var duty = DutySpans.Step("propose", Slot);
        // Re-rank as the proposal is due: a sequencer activated or exited since the forecast changes who leads.
        var rank = DutySpans.Step("rank", Slot);
        var index = await activeSet.RefreshAsync(GrainFactory);
        // Ranked off the grain's turn: the lambda touches nothing of the activation.
        var (slot, seed) = (Slot, Hash32.Parse(state.State.Seed));
        var ranking = await Task.Run(() => index.Rank(slot, seed));
        rank?.Dispose();
        if (ranking.Hosted.Count == 0 || ranking.Hosted[0].Rank != 1 || ranking.Hosted[0].Sequencer.ToString() != state.State.Candidate)
        {
            state.State = state.State with { Outcome = (int)SlotOutcome.NotOurs, LastError = "the ranking changed since the forecast: no hosted sequencer leads any more" };
            await state.WriteStateAsync();
            return;
        }
        var build = DutySpans.Step("build", Slot);
        var block = await BuildBlockAsync();
        build?.Dispose();
        var sequencer = Address.Parse(state.State.Candidate);
        var payload = DutyPayloads.Proposal(chain.RequireDeployment().DomainSeparator, Slot, block);
        var signature = await signer.SignAsync(new DutyRequest(state.State.Tenant, sequencer, Slot, Duty.Proposal, payload, $"slot/{Slot}"));
        var call = RollupAbi.Propose.EncodeCall(new BigInteger(Slot), new object?[] { block.Archive, block.BlockHash, block.TxsEffectsHash, block.UpgradeSignal }, sequencer, signature.ToArray());
        var send = DutySpans.Step("send", Slot);
        var sent = await Publisher().SendAsync(state.State.Tenant, new L1Call(chain.RequireDeployment().Rollup, call, $"propose slot {Slot}",
            // Sent from the block before the phase: a reorg that drops it there must not put it in an earlier block.
            NotBefore: Schedule.StartOf(Slot)));
        send?.Dispose();
        PlatformMetrics.ProposalSent(state.State.Tenant);
        state.State = state.State with
        {
            Outcome = (int)SlotOutcome.Proposed,
            PreviousArchive = block.PreviousArchive.ToString(),
            BlockHash = block.BlockHash.ToString(),
            Data = Hex.Encode(block.Data),
            ProposalTransaction = sent.ToString(),
            LastError = "",
        };
        await state.WriteStateAsync();
    }

    private async Task SettleProposalAsync()
    {
        var ours = state.State.CanonicalSequencer.Length > 0 && state.State.CanonicalSequencer == state.State.Candidate;
        var outcome = ours ? SlotOutcome.Canonical
            : state.State.ProposalTransaction.Length == 0 ? SlotOutcome.Missed
            : state.State.CanonicalSequencer.Length > 0 ? SlotOutcome.Outbid : SlotOutcome.Missed;
        PlatformMetrics.ProposalSettled(state.State.Tenant, outcome switch
        {
            SlotOutcome.Canonical => ProposalOutcome.Canonical,
            SlotOutcome.Outbid => ProposalOutcome.Outbid,
            _ => ProposalOutcome.Missed,
        });
        state.State = state.State with { Outcome = (int)outcome };
        await state.WriteStateAsync();
    }

    private async Task AuthoriseProverAsync(ulong block)
    {
        if (await Authoriser.AuthoriseAsync(block) && _fallback is null)
        {
            // Between blocks: the fallback must be signed early enough for its prover to land in the phase's next block.
            _fallback = this.RegisterGrainTimer(FallBackAsync, new GrainTimerCreationOptions
            {
                DueTime = proofBoost.CommitmentGrace,
                Period = proofBoost.CommitmentGrace,
                KeepAlive = true,
            });
        }
    }

    private async Task FallBackAsync(CancellationToken cancellationToken)
    {
        try
        {
            var head = await chain.RequireClient().GetBlockNumberAsync(cancellationToken);
            // Only while the fallback's commitment, sent in the next block at the earliest, can still land in Commitment.
            if (Outcome == SlotOutcome.Canonical && Schedule.PhaseAt(Slot, head + 1) == SlotPhase.Commitment && await Authoriser.AuthoriseAsync(head))
            {
                return;
            }
        }
        catch (Exception exception) when (exception is L1Exception or InvalidOperationException or Hosting.Signing.KeyBackendException)
        {
            logger.LogWarning(exception, "Slot {Slot}: the prover fallback failed; the next block retries it", Slot);
            return;
        }
        _fallback?.Dispose();
        _fallback = null;
    }

    /// <summary>
    /// Sends the reveal so it lands in Reveal, and checks on it at every block a reveal sent then still lands in Reveal:
    /// one not mined on this branch (a reorg dropped it) is the publisher's to send again, which it holds until Reveal is
    /// next (<see cref="L1Call.NotBefore"/>); one mined and reverted (it landed in Commitment after a reorg) is sent
    /// anew as another call with the next nonce. No key of the sequencer signs a reveal, so the gate is not involved.
    /// </summary>
    private async Task RevealAsync()
    {
        var publisher = Publisher();
        var call = RevealCall(state.State.RevealRetries);
        if ((await publisher.FindSentAsync(state.State.Tenant, call) ?? MaybeHash(state.State.RevealTransaction)) is { } sent)
        {
            var receipt = await chain.RequireClient().GetTransactionReceiptAsync(sent);
            if (receipt is null)
            {
                // Dropped or still in the pool: the publisher's (it sends a held one now that Reveal is next).
                await publisher.CheckAsync();
                return;
            }
            if (receipt.Succeeded)
            {
                return;
            }
            // Recorded before the send: a retry after a crash asks the publisher for this same call, not yet another one.
            logger.LogWarning("Slot {Slot}: reveal {Hash} was mined in block {Block} and reverted; sending it again", Slot, sent, receipt.BlockNumber);
            state.State = state.State with
            {
                RevealRetries = state.State.RevealRetries + 1,
                LastError = $"the reveal {sent} was mined in block {receipt.BlockNumber}, before Reveal ({Schedule.RevealStart(Slot)}-{Schedule.ProvingStart(Slot) - 1}), and reverted; sent again",
            };
            await state.WriteStateAsync();
            call = RevealCall(state.State.RevealRetries);
        }
        var hash = await publisher.SendAsync(state.State.Tenant, call);
        state.State = state.State with { RevealTransaction = hash.ToString(), LastError = state.State.RevealRetries > 0 ? state.State.LastError : "" };
        await state.WriteStateAsync();
    }

    private L1Call RevealCall(int retry) => new(
        chain.RequireDeployment().Rollup,
        RollupAbi.Reveal.EncodeCall(new BigInteger(Slot), Hex.Decode(state.State.Data)),
        retry == 0 ? $"reveal slot {Slot}" : $"reveal slot {Slot} (retry {retry})",
        NotBefore: Schedule.RevealStart(Slot));

    /// <summary>
    /// Backup opened on our slot; the reason stays in the view. The grain sends nothing for it: the platform's prover
    /// agents submit the backup block when the tenant's policy lets them (<see cref="BackupAnswerAsync"/>).
    /// </summary>
    private async Task SettleAsync(SlotOutcome outcome, BackupReason reason)
    {
        state.State = state.State with { Outcome = (int)outcome, BackupReason = (int)reason, LastError = $"backup opened on slot {Slot}: {reason}" };
        await state.WriteStateAsync();
    }

    /// <summary>Why Backup opened on this slot of ours: recorded when it settled, or no proposal of ours landed.</summary>
    private BackupReason? BackupReasonOf() => state.State.BackupReason >= 0 ? (BackupReason)state.State.BackupReason
        : Outcome is SlotOutcome.Missed or SlotOutcome.Forecast ? BackupReason.NoProposal
        : null;

    /// <summary>The next block this slot must act at, or none once it has nothing left to do.</summary>
    private L1Reaction NextWake(ulong? after = null)
    {
        var schedule = Schedule;
        var wake = Outcome switch
        {
            // The block before Proposal opens: a proposal sent then lands in the phase's first block.
            SlotOutcome.Forecast => schedule.ProposalDue(Slot),
            // The Proposal phase's last block settles the proposal (see OnBlockAsync: duties act on the block they land in).
            SlotOutcome.Proposed => schedule.CommitmentStart(Slot) - 1,
            // From there every block while a commitment can still land (a fallback may be due); Commitment's last
            // block settles a slot nobody committed to.
            SlotOutcome.Canonical => schedule.CommitmentStart(Slot) - 1,
            // Commitment's last block sends the reveal (it lands in Reveal's first); from there every block checks on it
            // (a reorg may have dropped it or moved it into Commitment), and Reveal's last block settles one not revealed.
            SlotOutcome.Committed => schedule.RevealStart(Slot) - 1,
            SlotOutcome.Revealed => schedule.BackupStart(Slot),
            SlotOutcome.Outbid when HoldsTransactions => schedule.CommitmentStart(Slot),
            SlotOutcome.Finalised => FinalityWake(),
            SlotOutcome.NotOurs when !state.State.Rechecked => schedule.ProposalDue(Slot),
            _ => (ulong?)null,
        };
        if (wake is { } block && after is { } current && block <= current)
        {
            block = current + 1;
            return L1Reaction.WakeAt(block);
        }
        return wake is { } at ? L1Reaction.WakeAt(at) : L1Reaction.None;
    }

    private IPublisherGrain Publisher() => state.State.Publisher.Length > 0
        ? GrainFactory.GetGrain<IPublisherGrain>(state.State.Publisher)
        : throw new InvalidOperationException($"Sequencer {state.State.Candidate} has no publisher on record; it cannot send for slot {Slot}.");

    private IProverBondGrain Bond(Address? prover = null) =>
        GrainFactory.GetGrain<IProverBondGrain>(SlotKeys.Bond(Slot, prover ?? Address.Parse(state.State.CommittedProver)));

    private static Hash32 Word(BigInteger value)
    {
        var word = new byte[32];
        value.TryWriteBytes(word.AsSpan(32 - value.GetByteCount(isUnsigned: true)), out _, isUnsigned: true, isBigEndian: true);
        return new Hash32(word);
    }

    private static Address? Maybe(string text) => text.Length > 0 ? Address.Parse(text) : null;

    private static Hash32? MaybeHash(string text) => text.Length > 0 ? Hash32.Parse(text) : null;
}
