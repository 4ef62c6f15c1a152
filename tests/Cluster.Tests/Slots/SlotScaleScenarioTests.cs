using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using Hosting.Cluster.Tests.L1;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Publishers;
using Hosting.Contracts.Sequencers;
using Hosting.Contracts.Slots;
using Hosting.Contracts.Tenants;
using Hosting.Grains.Election;
using Hosting.Grains.L1;
using Hosting.Grains.Slots;
using Hosting.L1.Contracts;
using Hosting.L1.Crypto;
using Hosting.L1.Rpc;
using Hosting.L1.Signing;
using Xunit.Abstractions;

namespace Hosting.Cluster.Tests.Slots;

/// <summary>
/// Issue 7's scenario at scale: two tenants host 200 sequencers among 300 on L1; the other 100 belong to a
/// simple competing proposer in this test, which proposes in every slot one of its sequencers leads. Over 30
/// consecutive slots (anvil mined on demand) every slot a hosted sequencer leads must be proposed, committed,
/// revealed, proven and finalised, every other slot the platform must send nothing for, and at the end the
/// rewards L1 credited to each hosted sequencer's withdrawer must equal the tenant's reward book to the wei.
/// The sizes can be lowered with HOSTING_SCALE_HOSTED / HOSTING_SCALE_OUTSIDERS / HOSTING_SCALE_SLOTS.
/// </summary>
[Collection(AloneCollection.Name)]
public sealed class SlotScaleScenarioTests(ITestOutputHelper output)
{
    private static readonly string[] Tenants = ["acme", "globex"];
    private static readonly BigInteger Token = BigInteger.Pow(10, 18);
    private static readonly BigInteger Stake = 100 * Token;

    [Fact]
    public async Task Over_consecutive_slots_every_slot_a_hosted_sequencer_leads_is_finalised_every_other_is_left_alone_and_rewards_match_the_books()
    {
        var hostedCount = Setting("HOSTING_SCALE_HOSTED", 200);
        var outsiderCount = Setting("HOSTING_SCALE_OUTSIDERS", 100);
        var slots = Setting("HOSTING_SCALE_SLOTS", 30);
        var clock = Stopwatch.StartNew();
        await using var chain = await ChainUnderTest.StartAsync(silos: 2);
        var deployment = chain.Deployment;
        var schedule = deployment.Schedule ?? throw new InvalidOperationException("the deployment file has no slot schedule");
        var l1 = new EthereumClient(new JsonRpcClient(new RpcOptions { Endpoints = [chain.Anvil.RpcUrl] }));
        var rollup = new FernetRollupContract(l1, deployment.Rollup);
        var registry = new SequencerRegistryContract(l1, deployment.Registry);
        var token = new StakingTokenContract(l1, deployment.Token);
        var publishers = new Dictionary<string, Address> { [Tenants[0]] = DevAccounts.Account(1), [Tenants[1]] = DevAccounts.Account(0) };
        var competitor = DevAccounts.Store.Find(DevAccounts.Account(2))!;
        var prover = DevAccounts.Store.Find(DevAccounts.Account(3))!;

        // Hosted: round-robin over the tenants, each registered through its tenant's publisher (also its withdrawer).
        var hosted = new Dictionary<Address, string>();
        foreach (var tenant in Tenants)
        {
            await chain.Grains.GetGrain<ITenantGrain>(tenant).SaveAsync(tenant);
            await chain.Grains.GetGrain<IPublisherGrain>(publishers[tenant].ToString()).AttachAsync(tenant);
        }
        for (var i = 0; i < hostedCount; i++)
        {
            hosted[DevAccounts.NewSequencer()] = Tenants[i % Tenants.Length];
        }
        await Task.WhenAll(Tenants.Select(async tenant =>
        {
            foreach (var sequencer in hosted.Where(h => h.Value == tenant).Select(h => h.Key))
            {
                var grain = chain.Grains.GetGrain<ISequencerGrain>(sequencer.ToString());
                await grain.ImportAsync(tenant);
                await grain.RegisterAsync(tenant, new SequencerRegistration(publishers[tenant], publishers[tenant], Stake));
            }
        }));
        // The competitor's sequencers: registered on L1 by the competitor, their keys only in this test.
        var outsiders = Enumerable.Range(0, outsiderCount).Select(_ => new LocalKeySigner(PrivateKey.Generate())).ToDictionary(s => s.Address);
        await token.ApproveAsync(competitor, deployment.Registry, Stake * outsiders.Count);
        foreach (var outsider in outsiders.Keys)
        {
            await registry.RegisterAsync(competitor, outsider, competitor.Address, Stake);
        }
        await token.ApproveAsync(prover, deployment.Rollup, 1_000_000 * Token);
        var registered = clock.Elapsed;

        await chain.MineAsync((int)deployment.EntryPeriodBlocks + 1);
        await chain.FollowedAsync();
        Assert.Equal(hostedCount + outsiderCount, (int)await registry.ActiveCountAsync());
        var head = await chain.HeadAsync();
        var first = schedule.SlotAt(head)!.Value + 1;
        // Up to the block before the one the first slot proposes on (the block before its Proposal phase).
        await chain.MineToAsync(schedule.ProposalDue(first) - 1);
        output.WriteLine($"{hostedCount} hosted + {outsiderCount} competing sequencers registered in {registered.TotalSeconds:0.0} s, all active after {clock.Elapsed.TotalSeconds:0.0} s");

        var bookStart = await BooksAsync(chain);
        var proverStart = await token.BalanceOfAsync(prover.Address);
        var all = hosted.Keys.Concat(outsiders.Keys).ToList();
        var won = 0;
        var lost = 0;
        var failures = new List<string>();
        var slotTimes = new List<double>();
        for (var slot = first; slot < first + (ulong)slots; slot++)
        {
            var slotClock = Stopwatch.StartNew();
            var grain = chain.Grains.GetGrain<ISlotGrain>(SlotKeys.Slot(slot));
            // The competitor ranks with the same score the platform uses; one eth_call checks it against L1's.
            var seed = SeedHash(await rollup.SeedOfAsync(slot));
            var leader = all.MaxBy(s => ScoreIndex.ScoreOf(seed, slot, s))!;
            Assert.Equal(ToBig(ScoreIndex.ScoreOf(seed, slot, leader).ToHash32()), await rollup.ScoreAsync(slot, leader));
            var ours = hosted.ContainsKey(leader);
            var sentBefore = await SentAsync(chain, publishers);

            var quoted = false;
            var competed = false;
            var committed = false;
            var proven = false;
            // To the block before the next slot proposes on: its proposal is sent when that block is the head.
            while (await chain.HeadAsync() < schedule.ProposalDue(slot + 1) - 1)
            {
                await chain.MineAsync(1);
                await chain.FollowedAsync();
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
                    var digest = await rollup.ProposalDigestAsync(slot, proposal);
                    await rollup.ProposeAsync(competitor, slot, proposal, leader, await outsiders[leader].SignDigestAsync(digest));
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
            }
            await chain.FollowedAsync();

            var view = await grain.GetAsync();
            var sent = await SentAsync(chain, publishers) - sentBefore;
            var onL1 = await rollup.ProposalOfAsync(slot);
            var status = await rollup.SlotStatusAsync(slot);
            slotTimes.Add(slotClock.Elapsed.TotalSeconds);
            var line = $"slot {slot}: leader {(ours ? "hosted (" + hosted[leader] + ")" : "competitor")}, outcome {view.Outcome}, L1 {status}, sent {sent}, {slotClock.Elapsed.TotalSeconds:0.0} s {view.LastError}";
            output.WriteLine(line);
            var expected = ours
                ? view.Outcome == SlotOutcome.Finalised && status == FernetRollupContract.RollupSlotStatus.Finalised && onL1.Sequencer == leader
                  && view.CommittedProver == prover.Address && view.OurBlockHash == onL1.Proposal.BlockHash && sent == 2
                : view.Outcome is SlotOutcome.NotOurs or SlotOutcome.Outbid && view.ProposalTransaction is null && sent == 0 && onL1.Sequencer == leader;
            if (!expected)
            {
                failures.Add(line);
            }
            if (ours) { won++; } else { lost++; }
        }

        // Every RewardCredited reached the books once the follower is at the head.
        await chain.FollowedAsync();
        var reward = 10 * Token;
        var books = await BooksAsync(chain);
        var mismatches = new List<string>();
        foreach (var (sequencer, tenant) in hosted)
        {
            var booked = books[tenant].BySequencer.GetValueOrDefault(sequencer) - bookStart[tenant].BySequencer.GetValueOrDefault(sequencer);
            var onChain = await registry.PendingRewardsAsync(publishers[tenant], sequencer);
            if (booked != onChain)
            {
                mismatches.Add($"{sequencer} ({tenant}): booked {booked}, L1 pendingRewards {onChain}");
            }
        }
        var bookedTotal = Tenants.Aggregate(BigInteger.Zero, (sum, t) => sum + books[t].Total - bookStart[t].Total);
        output.WriteLine($"{won} slots won and finalised, {lost} left to the competitor, {slots} slots in {slotTimes.Sum():0.0} s (p50 {Percentile(slotTimes, 0.5):0.0} s per slot), whole run {clock.Elapsed.TotalSeconds:0.0} s; booked {bookedTotal} wei "
            + string.Join(", ", Tenants.Select(t => $"{t} {books[t].Total - bookStart[t].Total}")));

        Assert.True(failures.Count == 0, "slots not as the protocol says:\n" + string.Join("\n", failures));
        Assert.True(mismatches.Count == 0, "reward books differ from L1:\n" + string.Join("\n", mismatches));
        Assert.Equal(won * reward * 7_000 / 10_000, bookedTotal);
        Assert.Equal(proverStart + won * reward * 3_000 / 10_000, await token.BalanceOfAsync(prover.Address));
        Assert.True(won > 0 && lost > 0, $"the run should see both outcomes: {won} won, {lost} lost");
    }

    private static int Setting(string name, int fallback) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

    private static async Task<Dictionary<string, RewardBook>> BooksAsync(ChainUnderTest chain)
    {
        var books = new Dictionary<string, RewardBook>();
        foreach (var tenant in Tenants)
        {
            books[tenant] = await chain.Grains.GetGrain<ITenantGrain>(tenant).GetRewardBookAsync();
        }
        return books;
    }

    private static async Task<long> SentAsync(ChainUnderTest chain, Dictionary<string, Address> publishers)
    {
        var sent = 0L;
        foreach (var publisher in publishers.Values)
        {
            sent += (await chain.Grains.GetGrain<IPublisherGrain>(publisher.ToString()).GetAsync())!.Sent;
        }
        return sent;
    }

    private static Hash32 SeedHash(BigInteger seed)
    {
        var bytes = new byte[32];
        seed.TryWriteBytes(bytes.AsSpan(32 - seed.GetByteCount(isUnsigned: true)), out _, isUnsigned: true, isBigEndian: true);
        return new Hash32(bytes);
    }

    private static BigInteger ToBig(Hash32 hash)
    {
        var bytes = new byte[32];
        hash.CopyTo(bytes);
        return new BigInteger(bytes, isUnsigned: true, isBigEndian: true);
    }

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? 0 : sorted[(int)Math.Min(sorted.Count - 1, Math.Floor(p * sorted.Count))];
    }
}
