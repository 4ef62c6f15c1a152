using System.Diagnostics;
using System.Numerics;
using Hosting.Cluster.Tests.L1;
using Hosting.Contracts.Domain;
using Hosting.Contracts.L1;
using Hosting.Contracts.Publishers;
using Hosting.Contracts.Sequencers;
using Hosting.Contracts.Slots;
using Hosting.Contracts.Tenants;
using Hosting.Grains.L1;
using Hosting.Grains.Slots;
using Hosting.L1.Contracts;
using Hosting.L1.Crypto;
using Hosting.L1.Rpc;
using Hosting.L1.Signing;
using Xunit.Abstractions;

namespace Hosting.Cluster.Tests.Slots;

/// <summary>
/// The slot pipeline on two PostgreSQL silos against a real anvil with infra/l1 deployed: hosted sequencers of
/// one tenant compete with sequencers the platform does not host. Every slot a hosted sequencer leads is
/// proposed through the tenant's publisher, becomes canonical, gets the chosen test prover's commitment, is
/// revealed, proven through the devnet verifier and finalised; every slot an outsider leads, the platform sends
/// nothing for. Time moves only when the test mines (automine: each transaction is its own block).
/// </summary>
[Collection(SlotChainCollection.Name)]
public sealed class SlotPipelineTests(ITestOutputHelper output)
{
    private const string Tenant = "acme";
    private const int Slots = 10;
    private static readonly BigInteger Token = BigInteger.Pow(10, 18);

    [Fact]
    public async Task Hosted_leaders_propose_and_finalise_their_slots_and_the_platform_stands_down_in_slots_an_outsider_leads()
    {
        var clock = Stopwatch.StartNew();
        await using var chain = await ChainUnderTest.StartAsync(silos: 2);
        var prover = DevAccounts.Store.Find(DevAccounts.Account(3))!;
        // Commits once and never proves; its slash then keeps it out of every later choice.
        var lazy = DevAccounts.Store.Find(DevAccounts.Account(0))!;
        var (deployment, schedule, rollup, registry, token, publisher, outsiderFunder, hosted, outsiders) =
            await SlotNetwork.SetUpAsync(chain, Tenant, hosted: 5, outsiders: 3, prover, lazy);
        output.WriteLine($"set up after {clock.Elapsed.TotalSeconds:0.0} s");

        // Past the entry period, and on to the start of a slot: the first slot measured is the one after it.
        await chain.MineAsync((int)deployment.EntryPeriodBlocks + 1);
        var head = await chain.HeadAsync();
        var first = schedule.SlotAt(head)!.Value + 1;
        // Up to the block before the one the first slot proposes on (the block before its Proposal phase).
        await chain.MineToAsync(schedule.ProposalDue(first) - 1);
        Assert.Equal(8, (int)await registry.ActiveCountAsync());

        var proverStart = await token.BalanceOfAsync(prover.Address);
        var lazyStart = await token.BalanceOfAsync(lazy.Address);
        var rewardsStart = await PendingRewardsAsync(registry, publisher, hosted);
        var minBond = deployment.MinBond;
        var results = new List<string>();
        var won = 0;
        var history = new Dictionary<ulong, SlotOutcome>();
        var lost = 0;
        var slashed = 0;
        var tenantStart = await token.BalanceOfAsync(publisher);
        for (var slot = first; slot < first + Slots; slot++)
        {
            var grain = chain.Grains.GetGrain<ISlotGrain>(SlotKeys.Slot(slot));
            var scores = new Dictionary<Address, BigInteger>();
            foreach (var sequencer in hosted.Concat(outsiders.Keys))
            {
                scores[sequencer] = await rollup.ScoreAsync(slot, sequencer);
            }
            var leader = scores.MaxBy(s => s.Value).Key;
            var ours = hosted.Contains(leader);
            // The second slot we win gets a prover that commits and never proves: its bond must be slashed.
            var lazyProver = ours && won == 1 && slashed == 0;
            var committer = lazyProver ? lazy : prover;
            var sentBefore = (await chain.Grains.GetGrain<IPublisherGrain>(publisher.ToString()).GetAsync())!.Sent;

            // Quotes arrive during the Proposal phase: a cheap one whose bond is too small, a dear one (the lazy
            // prover's, chosen only in its slot, where the usual prover does not quote), and the usual prover's.
            var proposedForOutsider = false;
            var quoted = false;
            var committed = false;
            var proven = false;
            // To the block before the next slot proposes on: its proposal is sent when that block is the head.
            while (await chain.HeadAsync() < schedule.ProposalDue(slot + 1) - 1)
            {
                await chain.MineAsync(1);
                await chain.FollowedAsync();
                var now = await chain.HeadAsync();
                var phase = schedule.PhaseAt(slot, now);
                if (phase == SlotPhase.Proposal && !quoted)
                {
                    quoted = true;
                    var answers = new List<QuoteAnswer>
                    {
                        await grain.QuoteAsync(await SignedAsync(new ProverQuote(slot, DevAccounts.Account(2), 1, minBond - 1, schedule.RevealStart(slot)), deployment.Rollup)),
                        await grain.QuoteAsync(await SignedAsync(new ProverQuote(slot, lazy.Address, 5 * Token, minBond, schedule.RevealStart(slot)), deployment.Rollup)),
                    };
                    if (!lazyProver)
                    {
                        answers.Add(await grain.QuoteAsync(await SignedAsync(new ProverQuote(slot, prover.Address, 1 * Token, minBond, schedule.RevealStart(slot)), deployment.Rollup)));
                    }
                    Assert.All(answers, a => Assert.Equal(ours, a.Accepted));
                    // A quote signed by someone other than the prover it names is refused, naming both.
                    var forged = await grain.QuoteAsync(new ProverQuote(slot, prover.Address, 0, minBond, schedule.RevealStart(slot),
                        await DevAccounts.Store.Find(DevAccounts.Account(2))!.SignPersonalMessageAsync(QuoteText.For(new ProverQuote(slot, prover.Address, 0, minBond, schedule.RevealStart(slot)), deployment.Rollup))));
                    Assert.False(forged.Accepted);
                    if (ours)
                    {
                        Assert.Contains(DevAccounts.Account(2).ToString(), forged.Reason, StringComparison.OrdinalIgnoreCase);
                    }
                }
                if (phase == SlotPhase.Proposal && !ours && !proposedForOutsider)
                {
                    proposedForOutsider = true;
                    var block = BlockBuilder.Build(slot, (await rollup.TipAsync()).Archive, Hash32.Zero);
                    var proposal = new FernetRollupContract.Proposal(block.Archive, block.BlockHash, block.TxsEffectsHash, block.UpgradeSignal);
                    var digest = await rollup.ProposalDigestAsync(slot, proposal);
                    await rollup.ProposeAsync(outsiderFunder, slot, proposal, leader, await outsiders[leader].SignDigestAsync(digest));
                }
                if (ours && phase == SlotPhase.Commitment && !committed
                    && await grain.AuthorisationForAsync(committer.Address) is { } authorisation)
                {
                    committed = true;
                    Assert.Equal(await rollup.CommitmentDigestAsync(slot, authorisation.BlockHash, committer.Address, authorisation.Bond),
                        Keccak256.Hash(DutyPayloads.Commitment(deployment.DomainSeparator, slot, authorisation.BlockHash, committer.Address, authorisation.Bond)));
                    await rollup.CommitProverAsync(committer, slot, authorisation.Bond, authorisation.Signature);
                }
                if (ours && !lazyProver && phase == SlotPhase.Proving && !proven
                    && await rollup.SlotStatusAsync(slot) == FernetRollupContract.RollupSlotStatus.Revealed)
                {
                    proven = true;
                    var canonical = await rollup.ProposalOfAsync(slot);
                    var tip = await rollup.TipAsync();
                    await rollup.SubmitProofAsync(prover, slot, DevnetProof(slot, tip.Archive, canonical.Proposal, prover.Address));
                }
            }
            await chain.FollowedAsync();

            var view = await grain.GetAsync();
            var onL1 = await rollup.ProposalOfAsync(slot);
            var sent = (await chain.Grains.GetGrain<IPublisherGrain>(publisher.ToString()).GetAsync())!.Sent - sentBefore;
            results.Add($"slot {slot}: leader {(ours ? "hosted" : "outsider")}, outcome {view.Outcome}, publisher sent {sent}, L2 block {view.L2BlockNumber}, {view.LastError}");
            output.WriteLine(results[^1]);
            Assert.Equal(leader, onL1.Sequencer);
            if (lazyProver)
            {
                slashed++;
                history[slot] = SlotOutcome.Backup;
                Assert.Equal(SlotOutcome.Backup, view.Outcome);
                Assert.Equal(lazy.Address, view.CommittedProver);
                Assert.Equal(3, sent);   // propose, reveal and slashBond
                var bond = await chain.Grains.GetGrain<IProverBondGrain>(SlotKeys.Bond(slot, lazy.Address)).GetAsync();
                Assert.Equal(BondStatus.Slashed, bond.Status);
                Assert.Equal(schedule.BackupStart(slot), bond.DeadlineBlock);
            }
            else if (ours)
            {
                won++;
                history[slot] = SlotOutcome.Finalised;
                Assert.Equal(await rollup.ProposalDigestAsync(slot, onL1.Proposal), Keccak256.Hash(DutyPayloads.Proposal(deployment.DomainSeparator, slot,
                    new L2Block(Hash32.Zero, onL1.Proposal.Archive, onL1.Proposal.BlockHash, onL1.Proposal.TxsEffectsHash, onL1.Proposal.UpgradeSignal, []))));
                Assert.Equal(leader, view.Forecast!.Candidate);
                Assert.Equal(1, view.Forecast.CandidateRank);
                Assert.Equal(SlotOutcome.Finalised, view.Outcome);
                Assert.Equal(prover.Address, view.ChosenProver);
                Assert.Equal(prover.Address, view.CommittedProver);
                Assert.Equal(view.OurBlockHash, onL1.Proposal.BlockHash);
                Assert.Equal(2, sent);   // propose and reveal, nothing else
                // Sent while the block before the phase was the head, the proposal is in the phase's first block.
                Assert.Equal(schedule.StartOf(slot), await chain.MinedInAsync(view.ProposalTransaction!.Value));
                Assert.Equal(FernetRollupContract.RollupSlotStatus.Finalised, await rollup.SlotStatusAsync(slot));
                Assert.Equal(BondStatus.Released, (await chain.Grains.GetGrain<IProverBondGrain>(SlotKeys.Bond(slot, prover.Address)).GetAsync()).Status);
            }
            else
            {
                lost++;
                Assert.Equal(SlotOutcome.NotOurs, view.Outcome);
                Assert.Null(view.ProposalTransaction);
                Assert.Equal(0, sent);
            }
        }

        // Rewards: per finalised block the prover (also the proof's submitter) earns 2 000 + 1 000 bps of the
        // 10-token block reward, and the hosted sequencers' withdrawer 7 000 bps (no delegators).
        var reward = 10 * Token;
        // A slashed bond is lost to the prover; its slasher share (1 000 bps) goes to the tenant's publisher, who sent slashBond.
        Assert.Equal(proverStart + won * reward * 3_000 / 10_000, await token.BalanceOfAsync(prover.Address));
        Assert.Equal(lazyStart - slashed * minBond, await token.BalanceOfAsync(lazy.Address));
        Assert.Equal(tenantStart + slashed * minBond * 1_000 / 10_000, await token.BalanceOfAsync(publisher));
        // The registry's per-share accumulator may keep a fraction of a wei per block.
        Assert.InRange(await PendingRewardsAsync(registry, publisher, hosted), rewardsStart + won * reward * 7_000 / 10_000 - won, rewardsStart + won * reward * 7_000 / 10_000);
        // The tenant's slot history (the operator's page and API) lists exactly the slots it was to propose in,
        // newest first, each with the outcome it reached; slots an outsider led never appear.
        // (Slots after the run are already forecast; they are left out.)
        var recorded = (await chain.Grains.GetGrain<ISlotHistoryGrain>(Tenant).RecentAsync(ISlotHistoryGrain.Capacity))
            .Where(e => e.Slot >= first && e.Slot < first + Slots).ToList();
        Assert.Equal(history.OrderByDescending(h => h.Key).Select(h => (h.Key, h.Value)), recorded.Select(e => (e.Slot, e.Outcome)));
        Assert.All(recorded.Where(e => e.Outcome == SlotOutcome.Finalised), e => Assert.NotNull(e.ProposalTransaction));
        output.WriteLine($"{won} slots won and finalised, {slashed} won and slashed, {lost} lost and stood down, after {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.True(won > 0, "no hosted sequencer led any slot of the run: " + string.Join("\n", results));
    }

    /// <summary>The devnet verifier's proof: keccak256(abi.encode(slot, previousArchive, archive, blockHash, txsEffectsHash, prover)).</summary>
    internal static byte[] DevnetProof(ulong slot, Hash32 previousArchive, FernetRollupContract.Proposal proposal, Address prover)
    {
        var words = new byte[6 * 32];
        new BigInteger(slot).TryWriteBytes(words.AsSpan(32 - new BigInteger(slot).GetByteCount(isUnsigned: true), 32), out _, isUnsigned: true, isBigEndian: true);
        previousArchive.CopyTo(words.AsSpan(32, 32));
        proposal.Archive.CopyTo(words.AsSpan(64, 32));
        proposal.BlockHash.CopyTo(words.AsSpan(96, 32));
        proposal.TxsEffectsHash.CopyTo(words.AsSpan(128, 32));
        prover.CopyTo(words.AsSpan(160 + 12, 20));
        return Keccak256.Hash(words).ToArray();
    }

    internal static async Task<ProverQuote> SignedAsync(ProverQuote quote, Address rollup) =>
        quote with { Signature = await DevAccounts.Store.Find(quote.Prover)!.SignPersonalMessageAsync(QuoteText.For(quote, rollup)) };

    private static async Task<BigInteger> PendingRewardsAsync(SequencerRegistryContract registry, Address withdrawer, IEnumerable<Address> sequencers)
    {
        var total = BigInteger.Zero;
        foreach (var sequencer in sequencers)
        {
            total += await registry.PendingRewardsAsync(withdrawer, sequencer);
        }
        return total;
    }
}
