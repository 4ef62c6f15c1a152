using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using Hosting.Cluster.Tests.L1;
using Hosting.Cluster.Tests.Postgres;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Publishers;
using Hosting.Contracts.Sequencers;
using Hosting.Contracts.Slots;
using Hosting.Contracts.Tenants;
using Hosting.L1.Contracts;
using Hosting.L1.Crypto;
using Hosting.L1.Rpc;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using SlotStatus = Hosting.L1.Contracts.FernetRollupContract.RollupSlotStatus;

namespace Hosting.Cluster.Tests.Slots;

/// <summary>
/// The whole slot pipeline on one-second blocks with real prover processes: anvil mines a block every second
/// whatever anyone does, two PostgreSQL silos with the signing-safety gate follow it, two tenants host the only
/// sequencers on L1 (so every slot is theirs), and two src/Prover agents with different terms quote for every slot
/// over the proof-boost HTTP endpoints. Each tenant's policy picks its prover; that prover must commit within the
/// two-block Commitment phase, the platform reveal within the two-block Reveal phase, the prover prove, and the slot
/// finalise, for several consecutive slots. Set-up and the walk to a slot pair led by both tenants run on demand;
/// from there on nothing waits for the test.
/// </summary>
[Collection(AloneCollection.Name)]
public sealed class SlotIntervalAgentsTests(ITestOutputHelper output)
{
    private const int RealTimeSlots = 3;
    private static readonly string[] Tenants = ["acme", "globex"];
    private static readonly BigInteger Token = BigInteger.Pow(10, 18);
    private static readonly BigInteger Reward = 10 * Token;
    // Generous for the machine (process starts, a loaded CI box); the chain's own timing is never waited for.
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private const string BlockRevealed = "BlockRevealed(uint256,bytes32,bytes)";
    private const string BlockFinalized = "BlockFinalized(uint256,uint256,bytes32)";

    [Fact]
    public async Task On_one_second_blocks_two_prover_agents_compete_and_every_slot_is_committed_by_its_tenants_choice_revealed_proven_and_paid()
    {
        var clock = Stopwatch.StartNew();
        await using var chain = await ChainUnderTest.StartAsync(silos: 2, configure: b => b.AddSiloBuilderConfigurator<SlotFailoverTests.SiloWithGate>());
        await using var web = await PlatformWeb.StartAsync(chain.Grains);
        var deployment = chain.Deployment;
        var schedule = deployment.Schedule ?? throw new InvalidOperationException("the deployment file has no slot schedule");
        var l1 = new EthereumClient(new JsonRpcClient(new RpcOptions { Endpoints = [chain.Anvil.RpcUrl] }));
        var rollup = new FernetRollupContract(l1, deployment.Rollup);
        var registry = new SequencerRegistryContract(l1, deployment.Registry);
        var token = new StakingTokenContract(l1, deployment.Token);
        var database = SlotFailoverTests.Services(chain.Cluster.Silos[0]).GetRequiredService<IConfiguration>()[PostgresCluster.ConnectionKey]!;
        var publishers = new Dictionary<string, Address> { [Tenants[0]] = DevAccounts.Account(1), [Tenants[1]] = DevAccounts.Account(0) };

        // Agent A quotes the lower fee with the rollup's minimum bond, agent B a higher fee with twice the bond. acme
        // keeps the protocol's default policy (lowest fee: A); globex prefers the highest bond (B).
        var (a, b) = (DevAccounts.Account(2), DevAccounts.Account(3));
        var bonds = new Dictionary<Address, BigInteger> { [a] = deployment.MinBond, [b] = 2 * deployment.MinBond };
        var choice = new Dictionary<string, Address> { [Tenants[0]] = a, [Tenants[1]] = b };
        await chain.Grains.GetGrain<IProverPolicyGrain>(Tenants[1]).SetAsync(ProverPolicy.Default with { Preference = ProverPreference.HighestBond });

        // Two sequencers per tenant, keys in key custody (the gate signs every duty), registered through the tenant's publisher.
        var hosted = new Dictionary<Address, string>();
        foreach (var tenant in Tenants)
        {
            await chain.Grains.GetGrain<ITenantGrain>(tenant).SaveAsync(tenant);
            await chain.Grains.GetGrain<IPublisherGrain>(publishers[tenant].ToString()).AttachAsync(tenant);
            for (var i = 0; i < 2; i++)
            {
                var sequencer = await SlotFailoverTests.ImportSequencerAsync(chain, tenant);
                var grain = chain.Grains.GetGrain<ISequencerGrain>(sequencer.ToString());
                await grain.ImportAsync(tenant);
                await grain.RegisterAsync(tenant, new SequencerRegistration(publishers[tenant], publishers[tenant], 100 * Token));
                hosted[sequencer] = tenant;
            }
        }
        // Approved here rather than by each agent's first start, which would be a transaction of its own mid-scenario.
        foreach (var prover in bonds.Keys)
        {
            await token.ApproveAsync(DevAccounts.Store.Find(prover)!, deployment.Rollup, 1_000 * deployment.MinBond);
        }
        await chain.MineAsync((int)deployment.EntryPeriodBlocks + 1);
        await chain.FollowedAsync();
        Assert.Equal(hosted.Count, (int)await registry.ActiveCountAsync());

        async Task<Address> LeaderAsync(ulong slot)
        {
            var scores = new Dictionary<Address, BigInteger>();
            foreach (var sequencer in hosted.Keys)
            {
                scores[sequencer] = await rollup.ScoreAsync(slot, sequencer);
            }
            return scores.MaxBy(s => s.Value).Key;
        }

        // On demand, to the last block before a slot s whose seed and the next slot's are fixed and whose leaders
        // belong to different tenants, so both policies are exercised in real time.
        var first = schedule.SlotAt(await chain.HeadAsync())!.Value + schedule.Lag + 1;
        for (var walked = 0; ; first++, walked++)
        {
            Assert.True(walked < 40, "no slot pair led by both tenants in 40 slots");
            await chain.MineToAsync(schedule.ProposalDue(first) - 1);
            if (hosted[await LeaderAsync(first)] != hosted[await LeaderAsync(first + 1)])
            {
                break;
            }
        }
        var last = first + RealTimeSlots - 1;
        output.WriteLine($"set up and walked to slot {first} in {clock.Elapsed.TotalSeconds:0.0} s");

        var agents = new List<ProverProcess>();
        try
        {
            // Started side by side; whichever started is stopped at the end even when the other did not.
            var starting = new[]
            {
                ProverProcess.StartAgentAsync("A", 2, chain, web, "1", "none", Patience),
                ProverProcess.StartAgentAsync("B", 3, chain, web, "2", "none", Patience, bond: bonds[b]),
            };
            try
            {
                await Task.WhenAll(starting);
            }
            finally
            {
                agents.AddRange(starting.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result));
            }
            Assert.True(await chain.HeadAsync() < schedule.ProposalDue(first), "starting the agents moved the chain into the slot");
            var agentOf = new Dictionary<Address, ProverProcess> { [a] = agents[0], [b] = agents[1] };
            var balancesBefore = new Dictionary<Address, BigInteger> { [a] = await token.BalanceOfAsync(a), [b] = await token.BalanceOfAsync(b) };
            var booksBefore = await BooksAsync(chain);
            var pendingBefore = new Dictionary<Address, BigInteger>();
            foreach (var (sequencer, tenant) in hosted)
            {
                pendingBefore[sequencer] = await registry.PendingRewardsAsync(publishers[tenant], sequencer);
            }
            output.WriteLine($"agents ready after {clock.Elapsed.TotalSeconds:0.0} s; head {await chain.HeadAsync()}, slots {first}-{last} in real time");

            // From here anvil mines a block every second on its own; the test only watches, until the last slot's
            // Proving phase is over (every proof is due by then) or every slot is finalised.
            await chain.Anvil.RpcAsync("evm_setIntervalMining", 1);
            var realTime = Stopwatch.StartNew();
            var deadline = schedule.BackupStart(last);
            var wallClock = TimeSpan.FromSeconds((double)(deadline - await chain.HeadAsync())) + Patience;
            while (realTime.Elapsed < wallClock && await chain.HeadAsync() < deadline)
            {
                var done = 0;
                for (var slot = first; slot <= last; slot++)
                {
                    done += await rollup.SlotStatusAsync(slot) == SlotStatus.Finalised ? 1 : 0;
                }
                if (done == RealTimeSlots)
                {
                    break;
                }
                await Task.Delay(250);
            }
            var realTimeSeconds = realTime.Elapsed.TotalSeconds;
            // An agent notices its proof's receipt after L1 already says Finalised: give it its poll before stopping it,
            // so the check below reads what the agent saw and not how quickly the test stopped it.
            var printed = Stopwatch.StartNew();
            while (printed.Elapsed < TimeSpan.FromSeconds(15)
                && !Enumerable.Range(0, RealTimeSlots).All(i => agents.Any(agent => agent.Printed($"slot {first + (ulong)i}: proven and finalised"))))
            {
                await Task.Delay(100);
            }
            // The next slot is ours too: stop the agents so no further proof pays rewards while the books are compared.
            await ProverAgentTests.StopAsync(agents, output);
            await chain.FollowedAsync(Patience);

            var failures = new List<string>();
            var won = Tenants.ToDictionary(t => t, _ => 0);
            var proofs = bonds.Keys.ToDictionary(p => p, _ => 0);
            for (var slot = first; slot <= last; slot++)
            {
                var leader = await LeaderAsync(slot);
                var tenant = hosted[leader];
                var expected = choice[tenant];
                var view = await chain.Grains.GetGrain<ISlotGrain>(SlotKeys.Slot(slot)).GetAsync();
                var status = await rollup.SlotStatusAsync(slot);
                var onL1 = await rollup.ProposalOfAsync(slot);
                var bond = await chain.Grains.GetGrain<IProverBondGrain>(SlotKeys.Bond(slot, expected)).GetAsync();
                var start = schedule.StartOf(slot);
                string At(List<ulong> blocks) => blocks.Count == 0 ? "-" : string.Join("/", blocks.Select(n => "+" + (n - start).ToString(CultureInfo.InvariantCulture)));
                var proposed = await EventBlocksAsync(chain, SlotFailoverTests.BlockProposed, slot);
                var committed = await EventBlocksAsync(chain, SlotFailoverTests.ProverCommitted, slot);
                var revealed = await EventBlocksAsync(chain, BlockRevealed, slot);
                var finalised = await EventBlocksAsync(chain, BlockFinalized, slot);
                var line = $"slot {slot} ({tenant}): outcome {view.Outcome}, L1 {status}, committed {Name(view.CommittedProver)} (policy: {Name(expected)}), bond {bond.Status}; "
                    + $"proposed {At(proposed)}, committed {At(committed)}, revealed {At(revealed)}, finalised {At(finalised)} (Commitment +{schedule.CommitmentStart(slot) - start}, Reveal +{schedule.RevealStart(slot) - start}, Proving +{schedule.ProvingStart(slot) - start}) {view.LastError}";
                output.WriteLine(line);

                // One proposal and one commitment authorisation in the gate, each exactly what the rollup checks.
                var rows = await SlotFailoverTests.SignedDutiesAsync(database, leader, slot);
                var audit = await SlotFailoverTests.AuditOutcomesAsync(database, leader, slot);
                var gate = rows.Count == 2 && rows.Count(r => r.Duty == "proposal") == 1
                    && rows.SingleOrDefault(r => r.Duty == "commitment_authorisation") is { } authorisation && authorisation.Prover == expected
                    && Keccak256.Hash(rows.Single(r => r.Duty == "proposal").Payload) == await rollup.ProposalDigestAsync(slot, onL1.Proposal)
                    && Keccak256.Hash(authorisation.Payload) == await rollup.CommitmentDigestAsync(slot, onL1.Proposal.BlockHash, expected, bonds[expected])
                    && audit.Count(o => o.EndsWith(" granted", StringComparison.Ordinal)) == 2
                    && audit.All(o => o.EndsWith(" granted", StringComparison.Ordinal) || o.EndsWith(" repeated", StringComparison.Ordinal));
                if (view.Outcome == SlotOutcome.Finalised && status == SlotStatus.Finalised && onL1.Sequencer == leader && view.OurBlockHash == onL1.Proposal.BlockHash
                    && view.ChosenProver == expected && view.CommittedProver == expected && bond.Status == BondStatus.Released
                    && proposed.Count == 1 && committed.Count == 1 && gate
                    && agentOf[expected].Printed($"slot {slot}: proven and finalised") && !agentOf[expected == a ? b : a].Printed($"slot {slot}: authorised"))
                {
                    won[tenant]++;
                    proofs[expected]++;
                }
                else
                {
                    failures.Add($"{line}\n  gate rows {string.Join(", ", rows.Select(r => $"{r.Duty} {Name(r.Prover)}"))}; audit {string.Join(", ", audit)}");
                }
            }

            // The agents' bonds came back with the prover's and the submitter's shares (2 000 + 1 000 bps) of each reward.
            foreach (var prover in bonds.Keys)
            {
                var paid = await token.BalanceOfAsync(prover) - balancesBefore[prover];
                output.WriteLine($"prover {Name(prover)}: {proofs[prover]} proofs, balance moved by {paid} wei");
                if (paid != proofs[prover] * Reward * 3_000 / 10_000)
                {
                    failures.Add($"prover {Name(prover)} was paid {paid} wei for {proofs[prover]} proofs");
                }
            }

            // Each sequencer's rewards on L1 (its withdrawer's share, no delegators) equal its tenant's book, to the wei.
            var books = await BooksAsync(chain);
            foreach (var (sequencer, tenant) in hosted)
            {
                var booked = books[tenant].BySequencer.GetValueOrDefault(sequencer) - booksBefore[tenant].BySequencer.GetValueOrDefault(sequencer);
                var onChain = await registry.PendingRewardsAsync(publishers[tenant], sequencer) - pendingBefore[sequencer];
                if (booked != onChain)
                {
                    failures.Add($"{sequencer} ({tenant}): booked {booked} wei, L1 pendingRewards moved by {onChain}");
                }
            }
            foreach (var tenant in Tenants)
            {
                var booked = books[tenant].Total - booksBefore[tenant].Total;
                output.WriteLine($"{tenant}: {won[tenant]} slots finalised, {booked} wei booked");
                if (booked != won[tenant] * Reward * 7_000 / 10_000)
                {
                    failures.Add($"{tenant}: booked {booked} wei for {won[tenant]} finalised slots");
                }
            }
            output.WriteLine($"{RealTimeSlots} slots on one-second blocks in {realTimeSeconds:0.0} s; whole test {clock.Elapsed.TotalSeconds:0.0} s");
            Assert.True(failures.Count == 0, "not as the protocol and the tenants' policies say:\n" + string.Join("\n", failures));
            Assert.All(Tenants, t => Assert.True(won[t] > 0, $"{t} finalised no slot"));
        }
        finally
        {
            await ProverAgentTests.StopAsync(agents, output);
        }

        string Name(Address? prover) => prover == a ? "A" : prover == b ? "B" : prover?.ToString() ?? "none";
    }

    private static async Task<Dictionary<string, RewardBook>> BooksAsync(ChainUnderTest chain)
    {
        var books = new Dictionary<string, RewardBook>();
        foreach (var tenant in Tenants)
        {
            books[tenant] = await chain.Grains.GetGrain<ITenantGrain>(tenant).GetRewardBookAsync();
        }
        return books;
    }

    /// <summary>The blocks holding the rollup's <paramref name="eventSignature"/> logs of <paramref name="slot"/> (its first indexed topic).</summary>
    private static async Task<List<ulong>> EventBlocksAsync(ChainUnderTest chain, string eventSignature, ulong slot)
    {
        var logs = await chain.Anvil.RpcAsync("eth_getLogs", new Dictionary<string, object>
        {
            ["address"] = chain.Deployment.Rollup.ToString(),
            ["fromBlock"] = "0x0",
            ["toBlock"] = "latest",
            ["topics"] = new object[] { Keccak256.Hash(eventSignature).ToString(), $"0x{slot:x64}" },
        });
        return [.. logs.EnumerateArray().Select(l => Convert.ToUInt64(l.GetProperty("blockNumber").GetString(), 16))];
    }
}
