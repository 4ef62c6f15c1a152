using System.Diagnostics;
using System.Numerics;
using Hosting.Cluster.Tests.L1;
using Hosting.Cluster.Tests.Postgres;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Publishers;
using Hosting.Contracts.Sequencers;
using Hosting.Contracts.Slots;
using Hosting.Contracts.Tenants;
using Hosting.L1.Contracts;
using Hosting.L1.Rpc;
using Hosting.L1.Signing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using Xunit.Abstractions;
using SlotStatus = Hosting.L1.Contracts.FernetRollupContract.RollupSlotStatus;

namespace Hosting.Cluster.Tests.Slots;

/// <summary>
/// Reorgs (anvil evm_snapshot / evm_revert, then a longer branch) that take away the prover's commitment or the
/// proof: two PostgreSQL silos with the signing-safety gate, the test as the prover. The slot grain and the bond
/// grain must step back to the state the surviving branch holds, and the slot then ends as the protocol says.
/// </summary>
[Collection(SlotChainCollection.Name)]
public sealed class SlotRollbackTests(ITestOutputHelper output)
{
    private static readonly BigInteger Token = BigInteger.Pow(10, 18);
    // Generous: the whole suite runs in parallel on 2 cores; on a quiet machine each wait ends within a few seconds.
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_reorged_commitment_or_proof_moves_slot_and_bond_back_and_the_slot_falls_back_or_finalises_again()
    {
        var clock = Stopwatch.StartNew();
        await using var chain = await ChainUnderTest.StartAsync(silos: 2, configure: b => b.AddSiloBuilderConfigurator<SlotFailoverTests.SiloWithGate>());
        var deployment = chain.Deployment;
        var schedule = deployment.Schedule!;
        var (l1, rollup, token, publisher, prover, database, sequencer, first) = await SlotFailoverTests.ActiveSequencerAsync(chain);
        var (a, b, c) = (first, first + 1, first + 2);
        output.WriteLine($"set up after {clock.Elapsed.TotalSeconds:0.0} s; slot {a}: commitment reorged away, slot {b}: proof reorged away, slot {c}: commitment reorged away and sent again in Commitment");
        var proverStart = await token.BalanceOfAsync(prover.Address);
        ISlotGrain Slot(ulong slot) => chain.Grains.GetGrain<ISlotGrain>(SlotKeys.Slot(slot));
        IProverRecordGrain Record() => chain.Grains.GetGrain<IProverRecordGrain>(prover.Address.ToString());
        IProverBondGrain Bond(ulong slot) => chain.Grains.GetGrain<IProverBondGrain>(SlotKeys.Bond(slot, prover.Address));

        // Slot a: the commitment lands in the Commitment phase's first block and a reorg takes it away. The new
        // branch passes Commitment's last block with nobody committed: the slot falls back (Backup, NoCommitment), the
        // bond is not escrowed (never slashed) and the prover keeps its tokens.
        var authorisation = await QuoteAndAuthoriseAsync(chain, a, prover);
        Assert.Equal(schedule.CommitmentStart(a) - 1, await chain.HeadAsync());
        var beforeCommit = await SnapshotAsync(chain);
        await rollup.CommitProverAsync(prover, a, authorisation.Bond, authorisation.Signature);
        await chain.FollowedAsync();
        await WaitAsync($"slot {a}: committed", async () => await Slot(a).GetAsync() is { Outcome: SlotOutcome.Committed });
        Assert.Equal(BondStatus.Escrowed, (await Bond(a).GetAsync()).Status);
        Assert.Equal(proverStart - deployment.MinBond, await token.BalanceOfAsync(prover.Address));
        await ReorgAsync(chain, beforeCommit);
        output.WriteLine($"slot {a}: commitment reorged away; head {await chain.HeadAsync()} ({schedule.PhaseAt(a, await chain.HeadAsync())})");
        Assert.Equal(SlotStatus.Proposed, await rollup.SlotStatusAsync(a));
        var view = await Slot(a).GetAsync();
        Assert.Equal(SlotOutcome.Backup, view.Outcome);
        Assert.Null(view.CommittedProver);
        Assert.Contains("NoCommitment", view.LastError, StringComparison.Ordinal);
        Assert.Equal(BondStatus.None, (await Bond(a).GetAsync()).Status);
        Assert.Equal(proverStart, await token.BalanceOfAsync(prover.Address));
        // The prover's record follows the surviving branch: the commitment it no longer holds is not counted.
        Assert.Equal(0, (await Record().GetAsync()).Committed);
        await chain.MineToAsync(schedule.EndOf(a) - 1);
        Assert.Equal(BondStatus.None, (await Bond(a).GetAsync()).Status);

        // Slot b: proven, then a reorg takes the proof away: back to Revealed with the bond escrowed again; the
        // prover proves again on the new branch and the slot finalises once, paying one reward.
        authorisation = await QuoteAndAuthoriseAsync(chain, b, prover);
        await rollup.CommitProverAsync(prover, b, authorisation.Bond, authorisation.Signature);
        output.WriteLine($"slot {b}: committed at head {await chain.HeadAsync()}; Reveal is blocks {schedule.RevealStart(b)}-{schedule.ProvingStart(b) - 1}");
        await chain.MineToAsync(schedule.RevealStart(b));
        output.WriteLine($"slot {b}: mined to head {await chain.HeadAsync()}");
        if (!await Eventually.WaitAsync(async () => await rollup.SlotStatusAsync(b) == SlotStatus.Revealed, Patience))
        {
            var stuck = await Slot(b).GetAsync();
            Assert.Fail($"waited {Patience.TotalSeconds} s for slot {b}: revealed; L1 says {await rollup.SlotStatusAsync(b)}, head {await chain.HeadAsync()}, Reveal {schedule.RevealStart(b)}-{schedule.ProvingStart(b) - 1}, the slot grain {stuck.Outcome}, committed prover {stuck.CommittedProver}, last error: {stuck.LastError}");
        }
        await chain.MineToAsync(schedule.ProvingStart(b));
        var beforeProof = await SnapshotAsync(chain);
        var escrowed = await token.BalanceOfAsync(prover.Address);
        await ProveAsync(rollup, b, prover);
        await chain.FollowedAsync();
        await WaitAsync($"slot {b}: finalised", async () => (await Slot(b).GetAsync()).Outcome == SlotOutcome.Finalised);
        Assert.Equal(BondStatus.Released, (await Bond(b).GetAsync()).Status);
        await ReorgAsync(chain, beforeProof);
        output.WriteLine($"slot {b}: proof reorged away; head {await chain.HeadAsync()} ({schedule.PhaseAt(b, await chain.HeadAsync())})");
        Assert.Equal(SlotStatus.Revealed, await rollup.SlotStatusAsync(b));
        view = await Slot(b).GetAsync();
        Assert.Equal(SlotOutcome.Revealed, view.Outcome);
        Assert.Null(view.L2BlockNumber);
        Assert.Equal(BondStatus.Escrowed, (await Bond(b).GetAsync()).Status);
        Assert.Equal(escrowed, await token.BalanceOfAsync(prover.Address));
        Assert.Equal((1, 0), ((await Record().GetAsync()).Committed, (await Record().GetAsync()).Proved));
        await ProveAsync(rollup, b, prover);
        await chain.FollowedAsync();
        await WaitAsync($"slot {b}: finalised again", async () => (await Slot(b).GetAsync()).Outcome == SlotOutcome.Finalised);
        Assert.Equal(BondStatus.Released, (await Bond(b).GetAsync()).Status);
        Assert.Equal(SlotStatus.Finalised, await rollup.SlotStatusAsync(b));
        Assert.Null((await Slot(b).GetAsync()).LastError);
        await chain.MineToAsync(schedule.EndOf(b) - 1);
        Assert.Equal(BondStatus.Released, (await Bond(b).GetAsync()).Status);

        // Slot c: the commitment lands in Commitment's first block and a one-block reorg replaces that block. The prover
        // sends its commitment again with the authorisation it holds (the platform hands out the same, signed once); it
        // lands in the new Commitment's first block, the slot grain steps back and forward again, reveals in Reveal's
        // first block and the slot finalises: a commitment re-sent within Commitment saves the slot.
        authorisation = await QuoteAndAuthoriseAsync(chain, c, prover);
        beforeCommit = await SnapshotAsync(chain);
        await rollup.CommitProverAsync(prover, c, authorisation.Bond, authorisation.Signature);
        await chain.FollowedAsync();
        await WaitAsync($"slot {c}: committed", async () => await Slot(c).GetAsync() is { Outcome: SlotOutcome.Committed });
        var oldCommitmentBlock = await l1.GetBlockAsync(Hosting.L1.Rpc.BlockTag.Latest);
        Assert.Equal(schedule.CommitmentStart(c), oldCommitmentBlock!.Number);
        await chain.Anvil.RpcAsync("evm_revert", beforeCommit);
        Assert.Equal(schedule.CommitmentStart(c) - 1, await chain.HeadAsync());
        Assert.Equal(SlotStatus.Proposed, await rollup.SlotStatusAsync(c));
        Assert.Equal(authorisation.Signature, (await Slot(c).AuthorisationForAsync(prover.Address))!.Signature);
        // A later timestamp, so the new Commitment block differs from the old one even with the same transaction in it.
        await chain.Anvil.RpcAsync("evm_setNextBlockTimestamp", oldCommitmentBlock.Timestamp + 5);
        await rollup.CommitProverAsync(prover, c, authorisation.Bond, authorisation.Signature);
        Assert.Equal(schedule.CommitmentStart(c), await chain.HeadAsync());
        Assert.NotEqual(oldCommitmentBlock.Hash, (await l1.GetBlockAsync(Hosting.L1.Rpc.BlockTag.Latest))!.Hash);
        // Commitment's last block: the follower meets the new branch here and the slot grain sends the reveal.
        await chain.MineAsync(1);
        await chain.FollowedAsync();
        await WaitAsync($"slot {c}: revealed on L1", async () => await rollup.SlotStatusAsync(c) == SlotStatus.Revealed);
        await chain.FollowedAsync();
        await WaitAsync($"slot {c}: revealed", async () => await Slot(c).GetAsync() is { Outcome: SlotOutcome.Revealed });
        var revealedC = await Slot(c).GetAsync();
        Assert.Equal(prover.Address, revealedC.CommittedProver);
        Assert.Equal(schedule.RevealStart(c), (await l1.GetTransactionReceiptAsync(revealedC.RevealTransaction!.Value))!.BlockNumber);
        Assert.Equal(BondStatus.Escrowed, (await Bond(c).GetAsync()).Status);
        await chain.MineToAsync(schedule.ProvingStart(c));
        await ProveAsync(rollup, c, prover);
        await chain.FollowedAsync();
        await WaitAsync($"slot {c}: finalised", async () => (await Slot(c).GetAsync()).Outcome == SlotOutcome.Finalised);
        Assert.Equal(BondStatus.Released, (await Bond(c).GetAsync()).Status);
        Assert.Equal(1, await SlotFailoverTests.RollupEventCountAsync(chain.Anvil, deployment.Rollup, "ProverCommitted(uint256,address,address,bytes32,uint256)", c));

        foreach (var slot in new[] { a, b, c })
        {
            output.WriteLine($"slot {slot}: {await Slot(slot).GetAsync()}");
            Assert.Equal(1, await SlotFailoverTests.BlockProposedCountAsync(chain.Anvil, deployment.Rollup, slot));
            // Nothing was signed twice: one proposal, one commitment authorisation per slot, every request granted once.
            var rows = await SlotFailoverTests.SignedDutiesAsync(database, sequencer, slot);
            Assert.Equal(["commitment_authorisation", "proposal"], rows.Select(r => r.Duty).Order(StringComparer.Ordinal));
            var audit = await SlotFailoverTests.AuditOutcomesAsync(database, sequencer, slot);
            Assert.All(audit, o => Assert.True(o.EndsWith(" granted", StringComparison.Ordinal) || o.EndsWith(" repeated", StringComparison.Ordinal), o));
        }
        // Two proofs paid (b and c): each bond came back with the prover's 3 000 bps of the 10-token block reward; a's was never taken.
        Assert.Equal(proverStart + 2 * (10 * Token) * 3_000 / 10_000, await token.BalanceOfAsync(prover.Address));
        // Two commitments (c's counted once though it landed twice) and two proofs on the surviving chain, nothing slashed.
        var record = await Record().GetAsync();
        Assert.Equal((2, 2, 0), (record.Committed, record.Proved, record.Slashed));
        output.WriteLine($"done after {clock.Elapsed.TotalSeconds:0.0} s");
    }

    /// <summary>
    /// Issue 7: the reveal, sent at Commitment's last block, after a reorg. (a) A reorg takes the chain back to before
    /// Commitment's last block and drops the mined reveal: the publisher holds it (re-broadcast at once, as before, it
    /// would be mined in Commitment and revert) and sends it when Reveal is the next block. (b) The reveal is mined one
    /// block early and reverts (the test plays a node that re-includes a dropped transaction early): the slot grain
    /// sends a fresh reveal with the next nonce while Reveal lasts. Both slots finalise with one gate record per duty.
    /// </summary>
    [Fact]
    public async Task A_reveal_reorged_back_into_Commitment_or_mined_there_and_reverted_is_sent_again_into_Reveal_and_the_slot_finalises()
    {
        var clock = Stopwatch.StartNew();
        await using var chain = await ChainUnderTest.StartAsync(silos: 2, configure: b => b.AddSiloBuilderConfigurator<SlotFailoverTests.SiloWithGate>());
        var deployment = chain.Deployment;
        var schedule = deployment.Schedule!;
        var (l1, rollup, token, publisher, prover, database, sequencer, first) = await SlotFailoverTests.ActiveSequencerAsync(chain);
        var (a, b) = (first, first + 1);
        output.WriteLine($"set up after {clock.Elapsed.TotalSeconds:0.0} s; slot {a}: reveal reorged back into Commitment, slot {b}: reveal mined in Commitment");
        var proverStart = await token.BalanceOfAsync(prover.Address);
        ISlotGrain Slot(ulong slot) => chain.Grains.GetGrain<ISlotGrain>(SlotKeys.Slot(slot));

        // Slot a: committed in Commitment's first block, revealed in Reveal's first; then the chain goes back to
        // Commitment's first block, so the reveal's block and the block it was sent at are both gone.
        var authorisation = await QuoteAndAuthoriseAsync(chain, a, prover);
        await rollup.CommitProverAsync(prover, a, authorisation.Bond, authorisation.Signature);
        await chain.FollowedAsync();
        await WaitAsync($"slot {a}: committed", async () => await Slot(a).GetAsync() is { Outcome: SlotOutcome.Committed });
        Assert.Equal(schedule.CommitmentStart(a), await chain.HeadAsync());
        var beforeCommitmentsLastBlock = await SnapshotAsync(chain);
        await chain.MineAsync(1);
        await chain.FollowedAsync();
        await WaitAsync($"slot {a}: revealed on L1", async () => await rollup.SlotStatusAsync(a) == SlotStatus.Revealed);
        await chain.FollowedAsync();
        await WaitAsync($"slot {a}: revealed", async () => await Slot(a).GetAsync() is { Outcome: SlotOutcome.Revealed });
        var firstReveal = (await Slot(a).GetAsync()).RevealTransaction!.Value;
        Assert.Equal(schedule.RevealStart(a), (await l1.GetTransactionReceiptAsync(firstReveal))!.BlockNumber);
        var oldHead = await chain.HeadAsync();
        await chain.Anvil.RpcAsync("evm_revert", beforeCommitmentsLastBlock);
        // Longer than the publisher's fee-bump delay (2 s) and check period (1 s): re-broadcast now, automine would mine
        // the reveal in Commitment's last block, where it reverts. Held, the chain stays where the reorg left it.
        await Task.Delay(TimeSpan.FromSeconds(5));
        Assert.Equal(schedule.CommitmentStart(a), await chain.HeadAsync());
        Assert.Equal(SlotStatus.Committed, await rollup.SlotStatusAsync(a));
        await chain.MineAsync(1);
        output.WriteLine($"slot {a}: reorged to {schedule.CommitmentStart(a)} and mined {await chain.HeadAsync()} (Commitment's last block) after {clock.Elapsed.TotalSeconds:0.0} s");
        await WaitAsync($"slot {a}: the held reveal sent and revealed on L1", async () => await rollup.SlotStatusAsync(a) == SlotStatus.Revealed);
        // The follower takes the new branch once it is longer than the old one.
        while (await chain.HeadAsync() <= oldHead)
        {
            await chain.MineAsync(1);
        }
        await chain.FollowedAsync();
        await WaitAsync($"slot {a}: revealed again", async () => await Slot(a).GetAsync() is { Outcome: SlotOutcome.Revealed } v && v.RevealTransaction != firstReveal);
        await AssertRevealedInRevealAsync(chain, l1, a, (await Slot(a).GetAsync()).RevealTransaction!.Value);
        await ProveToFinalisedAsync(chain, rollup, a, prover);

        // Slot b: the reveal is sent at Commitment's last block, and that block is reorganised away while the reveal
        // waits in the pool (automine off): the node keeps it and mines it in the new Commitment's last block, where
        // it reverts. The slot grain finds it reverted and sends a fresh one, which lands in Reveal.
        authorisation = await QuoteAndAuthoriseAsync(chain, b, prover);
        await rollup.CommitProverAsync(prover, b, authorisation.Bond, authorisation.Signature);
        await chain.FollowedAsync();
        await WaitAsync($"slot {b}: committed", async () => await Slot(b).GetAsync() is { Outcome: SlotOutcome.Committed });
        Assert.Equal(schedule.CommitmentStart(b), await chain.HeadAsync());
        await chain.Anvil.RpcAsync("evm_setAutomine", false);
        beforeCommitmentsLastBlock = await SnapshotAsync(chain);
        await chain.MineAsync(1);
        await chain.FollowedAsync();
        await WaitAsync($"slot {b}: the reveal sent", async () => (await Slot(b).GetAsync()).RevealTransaction is not null);
        await chain.Anvil.RpcAsync("evm_revert", beforeCommitmentsLastBlock);
        Assert.Equal("0x1", (await chain.Anvil.RpcAsync("txpool_status")).GetProperty("pending").GetString());
        await chain.MineAsync(1);
        await chain.Anvil.RpcAsync("evm_setAutomine", true);
        var early = await PublisherTransactionsInAsync(chain, l1, publisher, schedule.RevealStart(b) - 1);
        var reverted = Assert.Single(early);
        Assert.False(reverted.Succeeded, $"the reveal mined in Commitment's last block ({reverted.BlockNumber}) should revert");
        output.WriteLine($"slot {b}: reveal {reverted.TransactionHash} mined in block {reverted.BlockNumber} (Commitment) and reverted, after {clock.Elapsed.TotalSeconds:0.0} s");
        await chain.MineAsync(1);
        await chain.FollowedAsync();
        await WaitAsync($"slot {b}: revealed after a fresh reveal", async () => await rollup.SlotStatusAsync(b) == SlotStatus.Revealed);
        await chain.FollowedAsync();
        await WaitAsync($"slot {b}: revealed", async () => await Slot(b).GetAsync() is { Outcome: SlotOutcome.Revealed });
        var again = (await Slot(b).GetAsync()).RevealTransaction!.Value;
        Assert.NotEqual(reverted.TransactionHash, again);
        await AssertRevealedInRevealAsync(chain, l1, b, again);
        Assert.Equal(await NonceOfAsync(chain, reverted.TransactionHash) + 1, await NonceOfAsync(chain, again));
        await ProveToFinalisedAsync(chain, rollup, b, prover);

        foreach (var slot in new[] { a, b })
        {
            var view = await Slot(slot).GetAsync();
            output.WriteLine($"slot {slot}: {view}");
            Assert.Equal(SlotOutcome.Finalised, view.Outcome);
            Assert.Equal(SlotStatus.Finalised, await rollup.SlotStatusAsync(slot));
            Assert.Equal(1, await SlotFailoverTests.BlockProposedCountAsync(chain.Anvil, deployment.Rollup, slot));
            Assert.Equal(1, await SlotFailoverTests.RollupEventCountAsync(chain.Anvil, deployment.Rollup, BlockRevealed, slot));
            // The reveal is not a signed duty: one proposal and one commitment authorisation, each granted once.
            var rows = await SlotFailoverTests.SignedDutiesAsync(database, sequencer, slot);
            Assert.Equal(["commitment_authorisation", "proposal"], rows.Select(r => r.Duty).Order(StringComparer.Ordinal));
            var audit = await SlotFailoverTests.AuditOutcomesAsync(database, sequencer, slot);
            Assert.Equal(2, audit.Count(o => o.EndsWith(" granted", StringComparison.Ordinal)));
            Assert.All(audit, o => Assert.True(o.EndsWith(" granted", StringComparison.Ordinal) || o.EndsWith(" repeated", StringComparison.Ordinal), o));
        }
        Assert.Equal(proverStart + 2 * (10 * Token) * 3_000 / 10_000, await token.BalanceOfAsync(prover.Address));
        output.WriteLine($"done after {clock.Elapsed.TotalSeconds:0.0} s");
    }

    private const string BlockRevealed = "BlockRevealed(uint256,bytes32,bytes)";

    /// <summary>The reveal succeeded in a block of the Reveal phase.</summary>
    private static async Task AssertRevealedInRevealAsync(ChainUnderTest chain, EthereumClient l1, ulong slot, Hash32 reveal)
    {
        var schedule = chain.Deployment.Schedule!;
        var receipt = await l1.GetTransactionReceiptAsync(reveal);
        Assert.NotNull(receipt);
        Assert.True(receipt.Succeeded, $"reveal {reveal} reverted in block {receipt.BlockNumber}");
        Assert.Equal(SlotPhase.Reveal, schedule.PhaseAt(slot, receipt.BlockNumber));
    }

    private static async Task ProveToFinalisedAsync(ChainUnderTest chain, FernetRollupContract rollup, ulong slot, IEthSigner prover)
    {
        await chain.MineToAsync(chain.Deployment.Schedule!.ProvingStart(slot));
        await ProveAsync(rollup, slot, prover);
        await chain.FollowedAsync();
        await WaitAsync($"slot {slot}: finalised", async () => (await chain.Grains.GetGrain<ISlotGrain>(SlotKeys.Slot(slot)).GetAsync()).Outcome == SlotOutcome.Finalised);
    }

    /// <summary>The receipts of the transactions <paramref name="sender"/> has in block <paramref name="number"/>.</summary>
    private static async Task<List<TransactionReceipt>> PublisherTransactionsInAsync(ChainUnderTest chain, EthereumClient l1, Address sender, ulong number)
    {
        var block = await chain.Anvil.RpcAsync("eth_getBlockByNumber", $"0x{number:x}", false);
        var receipts = new List<TransactionReceipt>();
        foreach (var hash in block.GetProperty("transactions").EnumerateArray())
        {
            if (await l1.GetTransactionReceiptAsync(Hash32.Parse(hash.GetString()!)) is { } receipt && receipt.From == sender)
            {
                receipts.Add(receipt);
            }
        }
        return receipts;
    }

    private static async Task<ulong> NonceOfAsync(ChainUnderTest chain, Hash32 transaction) =>
        Convert.ToUInt64((await chain.Anvil.RpcAsync("eth_getTransactionByHash", transaction.ToString())).GetProperty("nonce").GetString(), 16);

    /// <summary>
    /// Mines to Proposal, quotes as the prover, mines to the Proposal phase's last block (where the platform authorises,
    /// so the commitment lands in Commitment's first block) and returns the prover's authorisation.
    /// </summary>
    private static async Task<CommitmentAuthorisation> QuoteAndAuthoriseAsync(ChainUnderTest chain, ulong slot, IEthSigner prover)
    {
        var schedule = chain.Deployment.Schedule!;
        var slotGrain = chain.Grains.GetGrain<ISlotGrain>(SlotKeys.Slot(slot));
        await chain.MineToAsync(schedule.StartOf(slot));
        var answer = await slotGrain.QuoteAsync(await SlotPipelineTests.SignedAsync(
            new ProverQuote(slot, prover.Address, 1 * Token, chain.Deployment.MinBond, schedule.RevealStart(slot)), chain.Deployment.Rollup));
        Assert.True(answer.Accepted, answer.Reason);
        await chain.MineToAsync(schedule.CommitmentStart(slot) - 1);
        CommitmentAuthorisation? authorisation = null;
        await WaitAsync($"slot {slot}: the prover's authorisation", async () => (authorisation = await slotGrain.AuthorisationForAsync(prover.Address)) is not null);
        return authorisation!;
    }

    private static async Task ProveAsync(FernetRollupContract rollup, ulong slot, IEthSigner prover)
    {
        var canonical = await rollup.ProposalOfAsync(slot);
        var tip = await rollup.TipAsync();
        await rollup.SubmitProofAsync(prover, slot, SlotPipelineTests.DevnetProof(slot, tip.Archive, canonical.Proposal, prover.Address));
    }

    private static async Task<string> SnapshotAsync(ChainUnderTest chain) => (await chain.Anvil.RpcAsync("evm_snapshot")).GetString()!;

    /// <summary>Reverts to <paramref name="snapshot"/> and mines a longer branch of empty blocks, so the follower takes the new branch.</summary>
    private static async Task ReorgAsync(ChainUnderTest chain, string snapshot)
    {
        await chain.FollowedAsync();
        var headBefore = await chain.HeadAsync();
        await chain.Anvil.RpcAsync("evm_revert", snapshot);
        await chain.MineAsync((int)(headBefore - await chain.HeadAsync()) + 1);
        await chain.FollowedAsync();
    }

    private static async Task WaitAsync(string what, Func<Task<bool>> done)
    {
        Assert.True(await Eventually.WaitAsync(done, Patience), $"waited {Patience.TotalSeconds} s for {what}");
    }
}
