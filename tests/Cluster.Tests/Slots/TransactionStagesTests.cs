using System.Numerics;
using Hosting.Cluster.Tests.L1;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Publishers;
using Hosting.Contracts.Sequencers;
using Hosting.Contracts.Slots;
using Hosting.Contracts.Tenants;
using Hosting.Contracts.Transactions;
using Hosting.Grains.Slots;
using Hosting.L1.Contracts;
using Hosting.L1.Crypto;
using Hosting.L1.Rpc;
using Xunit.Abstractions;

namespace Hosting.Cluster.Tests.Slots;

/// <summary>
/// Transactions through the slot pipeline on two PostgreSQL silos and a real anvil (automine; the test mines to
/// move time): submitted to the pool, they ride a slot that fails (no prover commits) back to stage 2, then the next
/// slot, whose proposal a reorg (snapshot/revert) takes away and the publisher sends again, and on to stage 7,
/// with the right stage, slot and L1 transaction at every step.
/// </summary>
[Collection(SlotChainCollection.Name)]
public sealed class TransactionStagesTests(ITestOutputHelper output)
{
    private const string Tenant = "acme";
    private static readonly BigInteger Token = BigInteger.Pow(10, 18);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_transaction_walks_stages_2_to_7_goes_back_to_2_when_its_slot_fails_or_its_proposal_is_reorged_away_and_is_included_again()
    {
        await using var chain = await ChainUnderTest.StartAsync(silos: 2);
        var deployment = chain.Deployment;
        var schedule = deployment.Schedule!;
        var l1 = new EthereumClient(new JsonRpcClient(new RpcOptions { Endpoints = [chain.Anvil.RpcUrl] }));
        var rollup = new FernetRollupContract(l1, deployment.Rollup);
        var token = new StakingTokenContract(l1, deployment.Token);
        var publisher = DevAccounts.Account(1);
        var prover = DevAccounts.Store.Find(DevAccounts.Account(3))!;

        // One hosted sequencer and nobody else: it leads every slot.
        await chain.Grains.GetGrain<ITenantGrain>(Tenant).SaveAsync(Tenant);
        await chain.Grains.GetGrain<IPublisherGrain>(publisher.ToString()).AttachAsync(Tenant);
        var sequencer = DevAccounts.NewSequencer();
        await chain.Grains.GetGrain<ISequencerGrain>(sequencer.ToString()).ImportAsync(Tenant);
        await chain.Grains.GetGrain<ISequencerGrain>(sequencer.ToString()).RegisterAsync(Tenant, new SequencerRegistration(publisher, publisher, 100 * Token));
        await token.ApproveAsync(prover, deployment.Rollup, 1_000 * Token);
        await chain.MineAsync((int)deployment.EntryPeriodBlocks + 1);
        var first = schedule.SlotAt(await chain.HeadAsync())!.Value + 1;
        await chain.MineToAsync(schedule.ProposalDue(first) - 1);

        // Two transactions: the dearer one goes first in the block.
        var cheap = await SubmitAsync(chain, RandomBlob(100), 5);
        var dear = await SubmitAsync(chain, RandomBlob(120), 9);
        var pool = chain.Grains.GetGrain<ITransactionPoolGrain>(ITransactionPoolGrain.Key);
        Assert.Equal(2, (await pool.GetAsync()).Pending);
        Assert.Equal(SubmitOutcome.Duplicate, (await chain.Grains.GetGrain<ITransactionGrain>(cheap.Hash).SubmitAsync(cheap.Blob, 5)).Outcome);

        // Slot 1: proposed (stage 3), no prover commits; once Commitment's last block passes without a commitment none
        // can land any more and the slot goes to backup: both back to stage 2.
        var s1 = first;
        var slot1 = chain.Grains.GetGrain<ISlotGrain>(SlotKeys.Slot(s1));
        await chain.MineAsync(1);
        await WaitForAsync(chain, cheap, TransactionStage.Proposed, s1);
        var proposed1 = (await StageAsync(chain, dear)).History[^1];
        Assert.Equal(TransactionStage.Proposed, proposed1.Stage);
        Assert.Equal((await slot1.GetAsync()).ProposalTransaction, proposed1.L1Transaction);
        Assert.Equal(0, (await pool.GetAsync()).Pending);
        Assert.Equal(2, (await pool.GetAsync()).ReservedBySlot[s1]);
        await chain.MineToAsync(schedule.RevealStart(s1) - 2);
        Assert.Equal(TransactionStage.Proposed, (await StageAsync(chain, cheap)).Stage);
        await chain.MineAsync(1);
        await WaitForAsync(chain, cheap, TransactionStage.InPool, s1);
        await WaitForAsync(chain, dear, TransactionStage.InPool, s1);
        Assert.Equal(SlotOutcome.Backup, (await slot1.GetAsync()).Outcome);
        Assert.Contains("failed (Backup)", (await StageAsync(chain, cheap)).History[^1].Reason);
        Assert.Equal(2, (await pool.GetAsync()).Pending);
        output.WriteLine($"slot {s1}: backup, both transactions back in the pool");

        // The tenant signals an upgrade payload from now on: slot 1 abstained, slot 2's proposal carries it.
        var payload = Keccak256.Hash("upgrade payload 1");
        await chain.Grains.GetGrain<IUpgradeSignalGrain>(Tenant).SetAsync(null, payload);
        Assert.Equal(Hash32.Zero, (await rollup.ProposalOfAsync(s1)).Proposal.UpgradeSignal);

        // Slot 2: proposed, then a reorg takes the proposal block away; the publisher sends the same proposal again.
        var s2 = s1 + 1;
        var slot2 = chain.Grains.GetGrain<ISlotGrain>(SlotKeys.Slot(s2));
        await chain.MineToAsync(schedule.ProposalDue(s2) - 1);
        var snapshot = (await chain.Anvil.RpcAsync("evm_snapshot")).GetString()!;
        await chain.MineAsync(1);
        await WaitForAsync(chain, dear, TransactionStage.Proposed, s2);
        var orphaned = (await StageAsync(chain, dear)).History[^1].L1Transaction;
        Assert.Equal((await slot2.GetAsync()).ProposalTransaction, orphaned);
        var headBeforeReorg = await chain.HeadAsync();
        await chain.Anvil.RpcAsync("evm_revert", snapshot);
        // The publisher notices its proposal is gone and holds it while the next block is before the Proposal phase (it
        // would revert there); once the block before the phase is mined it sends it again (bumped fees), and automine
        // puts it in the slot's first block.
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(schedule.ProposalDue(s2) - 1, await chain.HeadAsync());
        await chain.MineAsync(1);
        Assert.True(await Eventually.WaitAsync(async () => await chain.HeadAsync() >= schedule.StartOf(s2), Patience), "the publisher did not send the proposal again");
        Assert.Equal(FernetRollupContract.RollupSlotStatus.Proposed, await rollup.SlotStatusAsync(s2));
        // Sent again as it was signed, signal included, though the policy changed since.
        await chain.Grains.GetGrain<IUpgradeSignalGrain>(Tenant).SetAsync(null, Keccak256.Hash("upgrade payload 2"));
        Assert.Equal(payload, (await rollup.ProposalOfAsync(s2)).Proposal.UpgradeSignal);
        // The prover quotes now: passing the old head below may already reach the Proposal phase's last block, where
        // the platform authorises.
        Assert.True((await slot2.QuoteAsync(await SlotPipelineTests.SignedAsync(
            new ProverQuote(s2, prover.Address, Token, deployment.MinBond, schedule.RevealStart(s2)), deployment.Rollup))).Accepted);
        // Past the old head, so the follower sees the other branch.
        while (await chain.HeadAsync() <= headBeforeReorg)
        {
            await chain.MineAsync(1);
        }
        Assert.True(await Eventually.WaitAsync(async () =>
        {
            var view = await StageAsync(chain, dear);
            return view.Stage == TransactionStage.Proposed && view.History[^1].L1Transaction != orphaned;
        }, Patience), $"not proposed again after the reorg: {Describe(await StageAsync(chain, dear))}");
        var afterReorg = (await StageAsync(chain, dear)).History;
        Assert.Equal(TransactionStage.InPool, afterReorg[^2].Stage);
        Assert.Contains("reorganised away", afterReorg[^2].Reason);
        Assert.Equal(orphaned, afterReorg[^2].L1Transaction);
        Assert.Equal(afterReorg[^1].L1Transaction, (await slot2.GetAsync()).ProposalTransaction);
        Assert.True(schedule.PhaseAt(s2, afterReorg[^1].L1Block!.Value) == SlotPhase.Proposal);
        output.WriteLine($"slot {s2}: proposal {orphaned} reorganised away, included again by {afterReorg[^1].L1Transaction} at block {afterReorg[^1].L1Block}");

        // The rest of the happy path: commitment (4), reveal (5), proof (6), FINALITY_DEPTH blocks (7).
        // The prover is authorised once the Proposal phase's last block is followed; its commitment lands in Commitment's first.
        await chain.MineToAsync(schedule.CommitmentStart(s2) - 1);
        Assert.Equal(TransactionStage.Proposed, (await StageAsync(chain, cheap)).Stage);
        CommitmentAuthorisation? authorisation = null;
        Assert.True(await Eventually.WaitAsync(async () => (authorisation = await slot2.AuthorisationForAsync(prover.Address)) is not null, Patience));
        await rollup.CommitProverAsync(prover, s2, authorisation!.Bond, authorisation.Signature);
        await WaitForAsync(chain, cheap, TransactionStage.Committed, s2);
        await WaitForAsync(chain, dear, TransactionStage.Committed, s2);

        // The reveal, too, is taken away by a reorg (back to 4) and sent again by the publisher (5 again). It is sent
        // at Commitment's last block; automine is off meanwhile so the chain can be snapshotted before it is mined.
        await chain.Anvil.RpcAsync("evm_setAutomine", false);
        await chain.MineAsync(1);
        Assert.Equal(schedule.RevealStart(s2) - 1, await chain.HeadAsync());
        Assert.True(await Eventually.WaitAsync(async () => (await slot2.GetAsync()).RevealTransaction is not null, Patience), $"the reveal was not sent: {await slot2.GetAsync()}");
        var beforeReveal = (await chain.Anvil.RpcAsync("evm_snapshot")).GetString()!;
        await chain.MineAsync(1);
        await chain.Anvil.RpcAsync("evm_setAutomine", true);
        await WaitForAsync(chain, cheap, TransactionStage.Revealed, s2);
        var firstReveal = (await StageAsync(chain, cheap)).History[^1].L1Transaction;
        Assert.Equal((await slot2.GetAsync()).RevealTransaction, firstReveal);
        headBeforeReorg = await chain.HeadAsync();
        await chain.Anvil.RpcAsync("evm_revert", beforeReveal);
        Assert.True(await Eventually.WaitAsync(async () => await chain.HeadAsync() >= schedule.RevealStart(s2), Patience), "the publisher did not send the reveal again");
        while (await chain.HeadAsync() <= headBeforeReorg)
        {
            await chain.MineAsync(1);
        }
        Assert.True(await Eventually.WaitAsync(async () =>
        {
            var view = await StageAsync(chain, cheap);
            return view.Stage == TransactionStage.Revealed && view.History[^1].L1Transaction != firstReveal;
        }, Patience), $"not revealed again after the reorg: {Describe(await StageAsync(chain, cheap))}");
        var afterRevealReorg = (await StageAsync(chain, cheap)).History;
        Assert.Equal(TransactionStage.Committed, afterRevealReorg[^2].Stage);
        Assert.Equal(firstReveal, afterRevealReorg[^2].L1Transaction);
        var revealed = await slot2.GetAsync();
        Assert.Equal(SlotOutcome.Revealed, revealed.Outcome);
        Assert.Equal(afterRevealReorg[^1].L1Transaction, revealed.RevealTransaction);
        // The revealed data carries both blobs, the dearer first.
        var input = (await chain.Anvil.RpcAsync("eth_getTransactionByHash", revealed.RevealTransaction!.Value.ToString())).GetProperty("input").GetString()!;
        var dearAt = input.IndexOf(Convert.ToHexStringLower(dear.Blob), StringComparison.Ordinal);
        var cheapAt = input.IndexOf(Convert.ToHexStringLower(cheap.Blob), StringComparison.Ordinal);
        Assert.True(dearAt > 0 && cheapAt > dearAt, $"blobs at {dearAt} (fee 9) and {cheapAt} (fee 5) in the reveal");

        await chain.MineToAsync(schedule.ProvingStart(s2));
        var canonical = await rollup.ProposalOfAsync(s2);
        await rollup.SubmitProofAsync(prover, s2, SlotPipelineTests.DevnetProof(s2, (await rollup.TipAsync()).Archive, canonical.Proposal, prover.Address));
        await WaitForAsync(chain, cheap, TransactionStage.Proven, s2);
        var proven = (await StageAsync(chain, cheap)).History[^1];
        Assert.Equal(SlotOutcome.Finalised, (await slot2.GetAsync()).Outcome);
        Assert.Equal(canonical.Proposal.Archive, (await rollup.TipAsync()).Archive);

        // Final only once the proving block is FINALITY_DEPTH (2) deep.
        await chain.MineToAsync(proven.L1Block!.Value + deployment.FinalityDepth - 1);
        Assert.Equal(TransactionStage.Proven, (await StageAsync(chain, cheap)).Stage);
        await chain.MineAsync(1);
        await WaitForAsync(chain, cheap, TransactionStage.Final, s2);
        await WaitForAsync(chain, dear, TransactionStage.Final, s2);
        var final = (await StageAsync(chain, dear)).History[^1];
        Assert.Equal(proven.L1Block, final.L1Block);
        Assert.Equal(proven.L1Transaction, final.L1Transaction);

        var walk = (await StageAsync(chain, dear)).History.Select(h => (int)h.Stage).ToList();
        output.WriteLine(Describe(await StageAsync(chain, dear)));
        Assert.Equal([2, 3, 2, 3, 2, 3, 4, 5, 4, 5, 6, 7], walk);
        var pooled = await pool.GetAsync();
        Assert.Equal(0, pooled.Pending);
        Assert.Empty(pooled.ReservedBySlot);
    }

    [Fact]
    public async Task An_outbid_slot_sends_its_transactions_back_to_the_pool_and_a_later_slot_includes_them()
    {
        await using var chain = await ChainUnderTest.StartAsync(silos: 2);
        var deployment = chain.Deployment;
        var schedule = deployment.Schedule!;
        var l1 = new EthereumClient(new JsonRpcClient(new RpcOptions { Endpoints = [chain.Anvil.RpcUrl] }));
        var rollup = new FernetRollupContract(l1, deployment.Rollup);
        var registry = new SequencerRegistryContract(l1, deployment.Registry);
        var token = new StakingTokenContract(l1, deployment.Token);
        var publisher = DevAccounts.Account(1);
        var funder = DevAccounts.Store.Find(DevAccounts.Account(2))!;

        await chain.Grains.GetGrain<ITenantGrain>(Tenant).SaveAsync(Tenant);
        await chain.Grains.GetGrain<IPublisherGrain>(publisher.ToString()).AttachAsync(Tenant);
        var hosted = DevAccounts.NewSequencer();
        await chain.Grains.GetGrain<ISequencerGrain>(hosted.ToString()).ImportAsync(Tenant);
        await chain.Grains.GetGrain<ISequencerGrain>(hosted.ToString()).RegisterAsync(Tenant, new SequencerRegistration(publisher, publisher, 100 * Token));
        await token.ApproveAsync(funder, deployment.Registry, 100 * Token);
        await chain.MineAsync((int)deployment.EntryPeriodBlocks + 1);
        var slot = schedule.SlotAt(await chain.HeadAsync())!.Value + 2;

        // An outsider that scores higher in the slot, registered so that it becomes active one block after the
        // slot starts: the platform ranks first at the Proposal start, proposes, and is then outbid.
        await chain.MineToAsync(schedule.StartOf(slot) - deployment.EntryPeriodBlocks);
        var ours = await rollup.ScoreAsync(slot, hosted);
        Hosting.L1.Signing.LocalKeySigner outsider;
        do
        {
            outsider = new Hosting.L1.Signing.LocalKeySigner(PrivateKey.Generate());
        }
        while (await rollup.ScoreAsync(slot, outsider.Address) <= ours);
        await registry.RegisterAsync(funder, outsider.Address, funder.Address, 100 * Token);
        Assert.Equal(schedule.StartOf(slot) - deployment.EntryPeriodBlocks + 1, await chain.HeadAsync());

        var cheap = await SubmitAsync(chain, RandomBlob(80), 3);
        var dear = await SubmitAsync(chain, RandomBlob(90), 4);
        var pool = chain.Grains.GetGrain<ITransactionPoolGrain>(ITransactionPoolGrain.Key);
        await chain.MineToAsync(schedule.ProposalDue(slot) - 1);
        await chain.MineAsync(1);
        await WaitForAsync(chain, cheap, TransactionStage.Proposed, slot);
        var block = BlockBuilder.Build(slot, (await rollup.TipAsync()).Archive, Hash32.Zero);
        var proposal = new FernetRollupContract.Proposal(block.Archive, block.BlockHash, block.TxsEffectsHash, block.UpgradeSignal);
        await rollup.ProposeAsync(funder, slot, proposal, outsider.Address, await outsider.SignDigestAsync(await rollup.ProposalDigestAsync(slot, proposal)));
        Assert.Equal(SlotPhase.Proposal, schedule.PhaseAt(slot, await chain.HeadAsync()));

        // Outbid: back to stage 2 at once, but held for the slot until the Proposal phase ends (a reorg could undo the outbid).
        await WaitForAsync(chain, cheap, TransactionStage.InPool, slot);
        Assert.Contains($"outbid by {outsider.Address}", (await StageAsync(chain, cheap)).History[^1].Reason);
        Assert.Equal(SlotOutcome.Outbid, (await chain.Grains.GetGrain<ISlotGrain>(SlotKeys.Slot(slot)).GetAsync()).Outcome);
        Assert.Equal(0, (await pool.GetAsync()).Pending);
        await chain.MineToAsync(schedule.CommitmentStart(slot));
        Assert.True(await Eventually.WaitAsync(async () => (await pool.GetAsync()).Pending == 2, Patience), $"not released: {await pool.GetAsync()}");
        Assert.Equal(TransactionStage.InPool, (await StageAsync(chain, dear)).Stage);

        // The outsider now leads some slots; the first one the hosted sequencer leads carries both transactions.
        ulong? included = null;
        for (var next = slot + 1; next <= slot + 8 && included is null; next++)
        {
            await chain.MineToAsync(schedule.StartOf(next));
            if (await rollup.ScoreAsync(next, hosted) > await rollup.ScoreAsync(next, outsider.Address))
            {
                await WaitForAsync(chain, dear, TransactionStage.Proposed, next);
                included = next;
            }
        }
        Assert.NotNull(included);
        output.WriteLine($"outbid in slot {slot}, included again in slot {included}: {Describe(await StageAsync(chain, dear))}");
        Assert.Equal([2, 3, 2, 3], (await StageAsync(chain, dear)).History.Select(h => (int)h.Stage));
        Assert.Equal(included, (await StageAsync(chain, cheap)).Slot);
    }

    [Fact]
    public async Task The_pool_and_its_transactions_survive_the_loss_of_the_silo_that_held_them()
    {
        await using var chain = await ChainUnderTest.StartAsync(silos: 2);
        var waiting = await SubmitAsync(chain, RandomBlob(50), 7);
        var pool = chain.Grains.GetGrain<ITransactionPoolGrain>(ITransactionPoolGrain.Key);
        Assert.Equal(1, (await pool.GetAsync()).Pending);

        // Kill (no deactivation, no last write) the silo the pool lives on.
        var management = chain.Grains.GetGrain<IManagementGrain>(0);
        var stats = await management.GetDetailedGrainStatistics();
        var activation = stats.Single(s => s.GrainId.ToString().StartsWith("transactionpool/", StringComparison.Ordinal));
        var host = chain.Cluster.Silos.Single(s => s.SiloAddress.Equals(activation.SiloAddress));
        await chain.Cluster.KillSiloAsync(host);
        output.WriteLine($"killed {host.SiloAddress}, the pool's silo");

        Assert.True(await Eventually.WaitAsync(async () =>
        {
            try
            {
                return (await pool.GetAsync()).Pending == 1;
            }
            catch (Exception e) when (e is OrleansException or TimeoutException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(90)), "the pool did not come back with its transaction");
        var view = await StageAsync(chain, waiting);
        Assert.Equal(TransactionStage.InPool, view.Stage);
        Assert.Equal(SubmitOutcome.Duplicate, (await chain.Grains.GetGrain<ITransactionGrain>(waiting.Hash).SubmitAsync(waiting.Blob, 7)).Outcome);
    }

    private sealed record Submitted(string Hash, byte[] Blob);

    private static async Task<Submitted> SubmitAsync(ChainUnderTest chain, byte[] blob, BigInteger fee)
    {
        var hash = Keccak256.Hash(blob).ToString();
        var result = await chain.Grains.GetGrain<ITransactionGrain>(hash).SubmitAsync(blob, fee);
        Assert.Equal(SubmitOutcome.Accepted, result.Outcome);
        Assert.Equal(TransactionStage.InPool, result.Transaction!.Stage);
        return new Submitted(hash, blob);
    }

    private static async Task<TransactionView> StageAsync(ChainUnderTest chain, Submitted transaction) =>
        (await chain.Grains.GetGrain<ITransactionGrain>(transaction.Hash).GetAsync())!;

    private static async Task WaitForAsync(ChainUnderTest chain, Submitted transaction, TransactionStage stage, ulong slot)
    {
        var reached = await Eventually.WaitAsync(async () => await StageAsync(chain, transaction) is { } view && view.Stage == stage && view.Slot == slot, Patience);
        Assert.True(reached, $"{transaction.Hash} did not reach {stage} in slot {slot}: {Describe(await StageAsync(chain, transaction))}");
    }

    private static string Describe(TransactionView view) =>
        $"{view.Stage} slot {view.Slot}; " + string.Join(" | ", view.History.Select(h => $"{(int)h.Stage} s{h.Slot} b{h.L1Block} {h.L1Transaction?.ToString()[..10]} {h.Reason}"));

    private static byte[] RandomBlob(int length)
    {
        var blob = new byte[length];
        Random.Shared.NextBytes(blob);
        return blob;
    }
}
