using System.Diagnostics;
using System.Numerics;
using Hosting.Cluster.Tests.L1;
using Hosting.Contracts.Domain;
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
/// The slot pipeline in real time: anvil mines a block every second whatever anyone does (interval mining, as a
/// real L1 does), two PostgreSQL silos follow it, and the test plays the prover and a competing proposer. A slot
/// a hosted sequencer leads must be proposed within its three-block Proposal phase, committed, revealed, proven
/// and finalised; a slot an outsider leads must be left to the outsider with nothing sent. Set-up and the walk to
/// a suitable slot run on demand (fast); only the measured slots run on the one-second clock (22 s each).
/// </summary>
[Collection(AloneCollection.Name)]
public sealed class SlotIntervalMiningTests(ITestOutputHelper output)
{
    private const string Tenant = "acme";
    private const int MaxRealTimeSlots = 5;
    private static readonly BigInteger Token = BigInteger.Pow(10, 18);

    [Fact]
    public async Task On_one_second_blocks_hosted_leaders_propose_and_finalise_in_real_time_and_an_outsider_slot_is_stood_down()
    {
        var clock = Stopwatch.StartNew();
        await using var chain = await ChainUnderTest.StartAsync(silos: 2);
        var prover = DevAccounts.Store.Find(DevAccounts.Account(3))!;
        var network = await SlotNetwork.SetUpAsync(chain, Tenant, hosted: 6, outsiders: 2, prover);
        var (deployment, schedule, rollup, registry, _, publisher, outsiderFunder, hosted, outsiders) = network;
        await chain.MineAsync((int)deployment.EntryPeriodBlocks + 1);
        await chain.FollowedAsync();
        Assert.Equal(hosted.Count + outsiders.Count, (int)await registry.ActiveCountAsync());

        // On demand, walk to the block before the one a slot s proposes on, where the two slots whose seeds are fixed by then (s and
        // s + 1) have one hosted and one outside leader, so the real-time part sees both within two slots.
        var first = schedule.SlotAt(await chain.HeadAsync())!.Value + 1;
        for (; ; first++)
        {
            await chain.MineToAsync(schedule.ProposalDue(first) - 1);
            if ((await network.LeaderAsync(first)).Ours != (await network.LeaderAsync(first + 1)).Ours)
            {
                break;
            }
            Assert.True(first < 40, "no slot pair with one hosted and one outside leader in 40 slots");
        }
        output.WriteLine($"set up and walked to slot {first} in {clock.Elapsed.TotalSeconds:0.0} s");

        // From here on anvil mines a block every second on its own; the test only watches and acts like the others.
        await chain.Anvil.RpcAsync("evm_setIntervalMining", 1);
        var realTime = Stopwatch.StartNew();
        var finalised = 0;
        var stoodDown = 0;
        var failures = new List<string>();
        for (var slot = first; slot < first + MaxRealTimeSlots && (finalised < 2 || stoodDown < 1); slot++)
        {
            var (leader, ours) = await network.LeaderAsync(slot);
            var grain = chain.Grains.GetGrain<ISlotGrain>(SlotKeys.Slot(slot));
            var sentBefore = (await chain.Grains.GetGrain<IPublisherGrain>(publisher.ToString()).GetAsync())!.Sent;
            var (quoted, competed, committed, proven) = (false, false, false, false);
            // To the block before the next slot proposes on (the proposal is sent when that block is the head).
            while (await chain.HeadAsync() < schedule.ProposalDue(slot + 1) - 1)
            {
                var phase = schedule.PhaseAt(slot, await chain.HeadAsync());
                if (phase == SlotPhase.Proposal && !quoted)
                {
                    quoted = true;
                    var answer = await grain.QuoteAsync(await SlotPipelineTests.SignedAsync(new ProverQuote(slot, prover.Address, 1 * Token, deployment.MinBond, schedule.RevealStart(slot)), deployment.Rollup));
                    Assert.Equal(ours, answer.Accepted);
                }
                if (phase == SlotPhase.Proposal && !ours && !competed)
                {
                    competed = true;
                    var block = BlockBuilder.Build(slot, (await rollup.TipAsync()).Archive, Hash32.Zero);
                    var proposal = new FernetRollupContract.Proposal(block.Archive, block.BlockHash, block.TxsEffectsHash, block.UpgradeSignal);
                    await rollup.ProposeAsync(outsiderFunder, slot, proposal, leader, await outsiders[leader].SignDigestAsync(await rollup.ProposalDigestAsync(slot, proposal)));
                }
                if (ours && phase == SlotPhase.Commitment && !committed && await grain.AuthorisationForAsync(prover.Address) is { } authorisation)
                {
                    committed = true;
                    await rollup.CommitProverAsync(prover, slot, authorisation.Bond, authorisation.Signature);
                }
                if (ours && phase == SlotPhase.Proving && !proven && await rollup.SlotStatusAsync(slot) == FernetRollupContract.RollupSlotStatus.Revealed)
                {
                    proven = true;
                    var canonical = await rollup.ProposalOfAsync(slot);
                    await rollup.SubmitProofAsync(prover, slot, SlotPipelineTests.DevnetProof(slot, (await rollup.TipAsync()).Archive, canonical.Proposal, prover.Address));
                }
                await Task.Delay(100);
            }
            await chain.FollowedAsync();

            var view = await grain.GetAsync();
            var onL1 = await rollup.ProposalOfAsync(slot);
            var status = await rollup.SlotStatusAsync(slot);
            var sent = (await chain.Grains.GetGrain<IPublisherGrain>(publisher.ToString()).GetAsync())!.Sent - sentBefore;
            // Which block of the slot our proposal landed in (0 = the block that opened the Proposal phase).
            var landed = view.ProposalTransaction is { } hash && await chain.MinedInAsync(hash) is { } number
                ? (long)(number - schedule.StartOf(slot)) : -1;
            // The publisher's count while this slot was walked is shown, not judged: the next slot's proposal goes out at the
            // block the walk stops before, so whether it falls in this window or the next is a matter of milliseconds.
            var revealed = view.RevealTransaction is { } reveal && await chain.MinedInAsync(reveal) is not null;
            var line = $"slot {slot}: leader {(ours ? "hosted" : "outsider")}, outcome {view.Outcome}, L1 {status}, publisher sent {sent}, proposal in block {(landed < 0 ? "(none)" : "+" + landed)} of the slot, reveal {(revealed ? "mined" : "(none)")} {view.LastError}";
            output.WriteLine(line);
            if (ours && view.Outcome == SlotOutcome.Finalised && status == FernetRollupContract.RollupSlotStatus.Finalised && onL1.Sequencer == leader
                && view.OurBlockHash == onL1.Proposal.BlockHash && view.CommittedProver == prover.Address && revealed && landed is >= 0 and < 3)
            {
                finalised++;
            }
            else if (!ours && view.Outcome == SlotOutcome.NotOurs && view.ProposalTransaction is null && view.RevealTransaction is null && onL1.Sequencer == leader)
            {
                stoodDown++;
            }
            else
            {
                failures.Add(line);
            }
        }
        output.WriteLine($"{finalised} slots finalised and {stoodDown} stood down in {realTime.Elapsed.TotalSeconds:0.0} s of one-second blocks; whole test {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.True(failures.Count == 0, "slots not as the protocol says:\n" + string.Join("\n", failures));
        Assert.True(finalised >= 2 && stoodDown >= 1, $"in {MaxRealTimeSlots} real-time slots: {finalised} finalised, {stoodDown} stood down");
    }
}
