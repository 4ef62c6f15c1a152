using System.Diagnostics;
using System.Net.Http.Json;
using System.Numerics;
using Hosting.Cluster.Tests.L1;
using Hosting.Cluster.Tests.Postgres;
using Hosting.Contracts.Domain;
using Hosting.Contracts.L1;
using Hosting.Contracts.Publishers;
using Hosting.Contracts.Sequencers;
using Hosting.Contracts.Slots;
using Hosting.Contracts.Tenants;
using Hosting.Contracts.Transactions;
using Hosting.Grains.L1;
using Hosting.L1.Contracts;
using Hosting.L1.Crypto;
using Hosting.L1.Rpc;
using Xunit.Abstractions;
using SlotStatus = Hosting.L1.Contracts.FernetRollupContract.RollupSlotStatus;

namespace Hosting.Cluster.Tests.Slots;

/// <summary>
/// `kill -9` of a real silo process: three src/Silo processes in Production mode form one cluster on PostgreSQL
/// (<see cref="SiloProcessCluster"/>), a src/Prover agent process quotes, commits and proves over a surviving
/// silo's HTTP, and the test mines anvil. The process hosting the slot grain (found with the management grain's
/// activation lookup, its SiloAddress port mapped to the process) is SIGKILLed once in Proposal, right after the
/// proposal went out, and in the next slot once in Proving, before the proof. Each slot must still finalise on L1
/// with one BlockProposed and one gate record per duty, and each killed silo must be declared Dead in membership.
/// </summary>
[Collection(AloneCollection.Name)]
public sealed class SiloProcessKillTests(ITestOutputHelper output)
{
    private static readonly BigInteger Token = BigInteger.Pow(10, 18);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private const int ProverAccount = 3;
    private const int ProveAfterBlocks = 2;

    /// <summary>
    /// How long the whole platform may be down and still keep its slot on the mainnet-like chain (docs/protocol.md):
    /// a phase is 5 blocks of 12 s, and whatever the platform owes in it (proposal, reveal) needs one block to be
    /// mined, so a kill at a phase's start leaves 4 blocks. Orleans' default 30 s heartbeat kept the restarted cluster
    /// out for 109-113 s here.
    /// </summary>
    private static readonly TimeSpan KeepsTheSlot = TimeSpan.FromSeconds((5 - 1) * 12);

    [Fact]
    public async Task A_silo_process_killed_with_SIGKILL_in_Proposal_or_in_Proving_leaves_its_slot_finalised_with_one_signature_per_duty()
    {
        var clock = Stopwatch.StartNew();
        await using var cluster = await SiloProcessCluster.StartAsync(silos: 3, sequencers: 1, output);
        output.WriteLine($"3 silo processes ready after {clock.Elapsed.TotalSeconds:0.0} s");
        var deployment = cluster.Deployment;
        var schedule = deployment.Schedule ?? throw new InvalidOperationException("the deployment file has no slot schedule");
        var l1 = new EthereumClient(new JsonRpcClient(new RpcOptions { Endpoints = [cluster.Anvil.RpcUrl] }));
        var rollup = new FernetRollupContract(l1, deployment.Rollup);
        var token = new StakingTokenContract(l1, deployment.Token);
        var prover = DevAccounts.Account(ProverAccount);
        var sequencer = cluster.Sequencers.Single();
        var kills = new List<(SiloProcess Silo, ulong Slot, Task<TimeSpan> DeclaredDead)>();
        ProverProcess? agent = null;
        try
        {
            // Set up through the platform's own grains (the client reaches them over the silos' gateways).
            var first = await ActiveSequencerAsync(cluster, token);
            var proverStart = await token.BalanceOfAsync(prover);
            output.WriteLine($"set up after {clock.Elapsed.TotalSeconds:0.0} s; slot {first}: kill in Proposal, slot {first + 1}: kill in Proving");

            foreach (var (slot, killIn) in new[] { (first, SlotPhase.Proposal), (first + 1, SlotPhase.Proving) })
            {
                await MineToAsync(cluster, schedule.ProposalDue(slot) - 1);
                var slotGrain = cluster.Grains.GetGrain<ISlotGrain>(SlotKeys.Slot(slot));
                var host = await HostOfAsync(cluster, slotGrain);
                // The agent talks to a silo that is not about to die (in production: a load balancer's other backend).
                var front = cluster.Silos.First(s => !s.HasExited && s != host);
                if (agent is not null)
                {
                    await StopAsync(agent);
                }
                agent = await StartAgentAsync(cluster, front, slot);
                Assert.Equal(schedule.ProposalDue(slot) - 1, await cluster.HeadAsync());

                await MineToAsync(cluster, schedule.StartOf(slot));
                await WaitAsync($"slot {slot}: the agent's quote", async () => (await slotGrain.GetAsync()).Quotes >= 1);
                if (killIn == SlotPhase.Proposal)
                {
                    await WaitAsync($"slot {slot}: the proposal sent", async () => (await slotGrain.GetAsync()).ProposalTransaction is not null);
                    Assert.Equal(SlotPhase.Proposal, schedule.PhaseAt(slot, await cluster.HeadAsync()));
                    kills.Add(await KillHostAsync(cluster, slotGrain, slot, "Proposal"));
                }
                await MineToAsync(cluster, schedule.CommitmentStart(slot));
                // The platform reveals in the block after the commitment: seen as Committed or already Revealed.
                await WaitAsync($"slot {slot}: the agent's commitment", async () => await rollup.SlotStatusAsync(slot) is SlotStatus.Committed or SlotStatus.Revealed);
                await MineToAsync(cluster, schedule.RevealStart(slot));
                await WaitAsync($"slot {slot}: the reveal", async () => await rollup.SlotStatusAsync(slot) == SlotStatus.Revealed);
                await MineToAsync(cluster, schedule.ProvingStart(slot));
                if (killIn == SlotPhase.Proving)
                {
                    // Proving runs and the proof is not in yet: the agent submits it ProveAfterBlocks blocks in.
                    Assert.Equal(SlotStatus.Revealed, await rollup.SlotStatusAsync(slot));
                    kills.Add(await KillHostAsync(cluster, slotGrain, slot, "Proving"));
                }
                await MineToAsync(cluster, schedule.ProvingStart(slot) + ProveAfterBlocks);
                await WaitAsync($"slot {slot}: the proof", async () => await rollup.SlotStatusAsync(slot) == SlotStatus.Finalised);
                await MineToAsync(cluster, schedule.ProposalDue(slot + 1) - 1);
                await WaitAsync($"slot {slot}: Finalised on the platform", async () => (await slotGrain.GetAsync()).Outcome == SlotOutcome.Finalised);
                output.WriteLine($"slot {slot} finalised after {clock.Elapsed.TotalSeconds:0.0} s");
            }

            foreach (var slot in new[] { first, first + 1 })
            {
                await AssertOneSignaturePerDutyAsync(cluster, rollup, slot, sequencer, prover);
            }
            // Two proofs: each bond came back with the prover's 3 000 bps of the 10-token block reward.
            Assert.Equal(proverStart + 2 * (10 * Token) * 3_000 / 10_000, await token.BalanceOfAsync(prover));
            Assert.True(agent!.Printed($"slot {first + 1}: proven and finalised"), string.Join("\n", agent.Lines));

            // Orleans' membership (the orleans_membership table) declares each killed process Dead; the others stay Active.
            foreach (var (silo, slot, declaredDead) in kills)
            {
                output.WriteLine($"{silo.Name} (killed in slot {slot}) Dead in membership {(await declaredDead).TotalSeconds:0.0} s after the kill");
            }
            var membership = await PostgresCluster.MembershipAsync(cluster.Database, cluster.ClusterId);
            var survivor = Assert.Single(cluster.Silos, s => !s.HasExited);
            Assert.Contains((survivor.Name, (int)SiloStatus.Active), membership);
            output.WriteLine($"membership: {string.Join(", ", membership.Select(m => $"{m.Name}={(SiloStatus)m.Status}"))}; done after {clock.Elapsed.TotalSeconds:0.0} s");
        }
        catch
        {
            cluster.WriteLogTails(80);
            throw;
        }
        finally
        {
            if (agent is not null)
            {
                await StopAsync(agent);
            }
        }
    }

    /// <summary>
    /// Issue 7's `kill -9` during Commitment: the slot grain authorises the agent's quote at Proposal's last block, and
    /// its silo process is SIGKILLed as soon as the authorisation exists, before the commitment can be mined (anvil is
    /// mined on demand; the agent may or may not have fetched it and sent commitProver by then). The protocol's path
    /// (PROTOCOL.md: one commitment per slot, from the prover the signature names) must still run to the end:
    /// committed by that prover in Commitment, revealed by the grain reactivated on a survivor, proven, finalised; the
    /// gate holds one proposal and one commitment authorisation, never a second authorisation or payload.
    /// </summary>
    [Fact]
    public async Task A_silo_process_killed_with_SIGKILL_in_Commitment_after_the_authorisation_leaves_its_slot_committed_revealed_and_finalised_once()
    {
        var clock = Stopwatch.StartNew();
        await using var cluster = await SiloProcessCluster.StartAsync(silos: 3, sequencers: 1, output);
        output.WriteLine($"3 silo processes ready after {clock.Elapsed.TotalSeconds:0.0} s");
        var deployment = cluster.Deployment;
        var schedule = deployment.Schedule!;
        var rollup = new FernetRollupContract(new EthereumClient(new JsonRpcClient(new RpcOptions { Endpoints = [cluster.Anvil.RpcUrl] })), deployment.Rollup);
        var token = new StakingTokenContract(new EthereumClient(new JsonRpcClient(new RpcOptions { Endpoints = [cluster.Anvil.RpcUrl] })), deployment.Token);
        var prover = DevAccounts.Account(ProverAccount);
        ProverProcess? agent = null;
        try
        {
            var slot = await ActiveSequencerAsync(cluster, token);
            var sequencer = cluster.Sequencers.Single();
            var proverStart = await token.BalanceOfAsync(prover);
            await MineToAsync(cluster, schedule.ProposalDue(slot) - 1);
            var slotGrain = cluster.Grains.GetGrain<ISlotGrain>(SlotKeys.Slot(slot));
            var host = await HostOfAsync(cluster, slotGrain);
            var front = cluster.Silos.First(s => !s.HasExited && s != host);
            agent = await StartAgentAsync(cluster, front, slot);

            await MineToAsync(cluster, schedule.StartOf(slot));
            await WaitAsync($"slot {slot}: the agent's quote", async () => (await slotGrain.GetAsync()).Quotes >= 1);
            await WaitAsync($"slot {slot}: the proposal sent", async () => (await slotGrain.GetAsync()).ProposalTransaction is not null);
            // Automine off for the kill: the agent's commitProver, if it is sent before the kill, waits in anvil's pool
            // instead of being mined at once, so the silo always dies before the commitment is on L1.
            await cluster.Anvil.SettledAsync();
            await cluster.Anvil.RpcAsync("evm_setAutomine", false);
            await MineToAsync(cluster, schedule.CommitmentStart(slot) - 1);
            // Proposal's last block: the grain settles the proposal and authorises the quote; the silo dies right then.
            CommitmentAuthorisation? before = null;
            await WaitAsync($"slot {slot}: the authorisation", async () => (before = await slotGrain.AuthorisationForAsync(prover)) is not null);
            var (killed, _, declaredDead) = await KillHostAsync(cluster, slotGrain, slot, "Commitment (authorised, not committed)");
            var sentBeforeKill = agent.Printed($"slot {slot}: commitProver sent");
            output.WriteLine($"slot {slot}: the agent had {(sentBeforeKill ? "already" : "not yet")} sent commitProver when {killed.Name} died");
            Assert.Equal(SlotStatus.Proposed, await rollup.SlotStatusAsync(slot));

            // Commitment's first block (the pool's transactions with it), then automine again, as the other tests run.
            await MineToAsync(cluster, schedule.CommitmentStart(slot));
            await cluster.Anvil.RpcAsync("evm_setAutomine", true);
            // Sent before the kill, it was mined into Commitment's first block just now; sent after the grain's
            // reactivation, automine puts it in the next block, Commitment's last (the rollup takes it in no other phase).
            await WaitAsync($"slot {slot}: the agent's commitment", async () => await rollup.SlotStatusAsync(slot) is SlotStatus.Committed or SlotStatus.Revealed);
            // The grain reactivated on a survivor hands out the same authorisation (stored), never a second one.
            var after = await SlotFailoverTests.RetryAsync(() => slotGrain.AuthorisationForAsync(prover));
            Assert.Equal(before!.Signature, after?.Signature);
            await MineToAsync(cluster, schedule.RevealStart(slot));
            await WaitAsync($"slot {slot}: the reveal", async () => await rollup.SlotStatusAsync(slot) == SlotStatus.Revealed);
            await MineToAsync(cluster, schedule.ProvingStart(slot) + ProveAfterBlocks);
            await WaitAsync($"slot {slot}: the proof", async () => await rollup.SlotStatusAsync(slot) == SlotStatus.Finalised);
            await MineToAsync(cluster, schedule.ProposalDue(slot + 1) - 1);
            await WaitAsync($"slot {slot}: Finalised on the platform", async () => (await slotGrain.GetAsync()).Outcome == SlotOutcome.Finalised);
            output.WriteLine($"slot {slot} finalised after {clock.Elapsed.TotalSeconds:0.0} s; {killed.Name} Dead in membership {(await declaredDead).TotalSeconds:0.0} s after the kill");

            await AssertOneSignaturePerDutyAsync(cluster, rollup, slot, sequencer, prover);
            Assert.Equal(1, await SlotFailoverTests.RollupEventCountAsync(cluster.Anvil, deployment.Rollup, SlotFailoverTests.ProverCommitted, slot));
            Assert.Equal(proverStart + (10 * Token) * 3_000 / 10_000, await token.BalanceOfAsync(prover));
            Assert.True(agent.Printed($"slot {slot}: proven and finalised"), string.Join("\n", agent.Lines));
            Assert.DoesNotContain(agent.Lines, l => l.Contains("reverted", StringComparison.Ordinal));
            output.WriteLine($"done after {clock.Elapsed.TotalSeconds:0.0} s");
        }
        catch
        {
            cluster.WriteLogTails(80);
            throw;
        }
        finally
        {
            if (agent is not null)
            {
                await StopAsync(agent);
            }
        }
    }

    /// <summary>
    /// The whole cluster (both silo processes) SIGKILLed mid-slot, at Commitment's first moment (the prover authorised,
    /// nothing committed), and two fresh processes started on the same PostgreSQL database. While it is down the
    /// prover (the test) commits with the authorisation it fetched. The restarted cluster must follow the chain from
    /// where it was, reveal in time, and finalise the slot: one BlockProposed, one gate row per duty, only granted or
    /// repeated in the audit. A transaction the ingress accepted before the slot is finalised with it (stage 6); one
    /// accepted during the slot, after the block was built, is still in the pool (stage 2) after the restart.
    /// </summary>
    [Fact]
    public async Task The_whole_cluster_killed_with_SIGKILL_mid_slot_and_restarted_on_the_same_database_finalises_the_slot_and_keeps_accepted_transactions()
    {
        var clock = Stopwatch.StartNew();
        await using var cluster = await SiloProcessCluster.StartAsync(silos: 2, sequencers: 1, output);
        output.WriteLine($"2 silo processes ready after {clock.Elapsed.TotalSeconds:0.0} s");
        var deployment = cluster.Deployment;
        var schedule = deployment.Schedule!;
        var l1 = new EthereumClient(new JsonRpcClient(new RpcOptions { Endpoints = [cluster.Anvil.RpcUrl] }));
        var rollup = new FernetRollupContract(l1, deployment.Rollup);
        var token = new StakingTokenContract(l1, deployment.Token);
        var prover = DevAccounts.Store.Find(DevAccounts.Account(ProverAccount))!;
        try
        {
            var slot = await ActiveSequencerAsync(cluster, token);
            var sequencer = cluster.Sequencers.Single();
            await MineToAsync(cluster, schedule.ProposalDue(slot) - 1);
            var inBlock = await SubmitTransactionAsync(cluster, 9);

            var slotGrain = cluster.Grains.GetGrain<ISlotGrain>(SlotKeys.Slot(slot));
            await MineToAsync(cluster, schedule.StartOf(slot));
            await WaitAsync($"slot {slot}: the proposal sent", async () => (await slotGrain.GetAsync()).ProposalTransaction is not null);
            var quote = await slotGrain.QuoteAsync(await SlotPipelineTests.SignedAsync(
                new ProverQuote(slot, prover.Address, Token, deployment.MinBond, schedule.RevealStart(slot)), deployment.Rollup));
            Assert.True(quote.Accepted, quote.Reason);
            var waiting = await SubmitTransactionAsync(cluster, 7);
            Assert.Equal(TransactionStage.Proposed, (await TransactionAsync(cluster, inBlock)).Stage);

            await MineToAsync(cluster, schedule.CommitmentStart(slot) - 1);
            CommitmentAuthorisation? authorisation = null;
            await WaitAsync($"slot {slot}: the authorisation", async () => (authorisation = await slotGrain.AuthorisationForAsync(prover.Address)) is not null);
            output.WriteLine($"slot {slot}: kill -9 of every silo ({string.Join(", ", cluster.Silos.Select(x => $"{x.Name} pid {x.Id}"))}) at head {await cluster.HeadAsync()}, authorised, not committed");
            var restart = cluster.KillAllAndRestartAsync(2);
            // The prover commits while the platform is down: it lands in Commitment's first block.
            await rollup.CommitProverAsync(prover, slot, authorisation!.Bond, authorisation.Signature);
            await cluster.Anvil.MineAsync(1);
            Assert.Equal(SlotStatus.Committed, await rollup.SlotStatusAsync(slot));
            var down = await restart;
            // Grain references of the old client died with it.
            slotGrain = cluster.Grains.GetGrain<ISlotGrain>(SlotKeys.Slot(slot));
            output.WriteLine($"cluster back (2 new processes ready, client connected) {down.TotalSeconds:0.0} s after the kill, at {clock.Elapsed.TotalSeconds:0.0} s");
            Assert.True(down < KeepsTheSlot,
                $"the restarted cluster served {down.TotalSeconds:0.0} s after the kill; on 12 s blocks a phase leaves {KeepsTheSlot.TotalSeconds:0} s, so the slot would be lost");

            // The restarted cluster follows from where it was; the reveal must go out at Commitment's last block.
            await FollowedAsync(cluster);
            while (await cluster.HeadAsync() < schedule.RevealStart(slot))
            {
                await MineToAsync(cluster, await cluster.HeadAsync() + 1);
            }
            await WaitAsync($"slot {slot}: the reveal by the restarted cluster", async () => await rollup.SlotStatusAsync(slot) == SlotStatus.Revealed);
            await MineToAsync(cluster, schedule.ProvingStart(slot));
            var canonical = await rollup.ProposalOfAsync(slot);
            await rollup.SubmitProofAsync(prover, slot, SlotPipelineTests.DevnetProof(slot, (await rollup.TipAsync()).Archive, canonical.Proposal, prover.Address));
            await MineToAsync(cluster, schedule.ProvingStart(slot) + 1);
            Assert.Equal(SlotStatus.Finalised, await rollup.SlotStatusAsync(slot));
            await MineToAsync(cluster, schedule.ProposalDue(slot + 1) - 1);
            await WaitAsync($"slot {slot}: Finalised on the platform", async () => (await slotGrain.GetAsync()).Outcome == SlotOutcome.Finalised);

            await AssertOneSignaturePerDutyAsync(cluster, rollup, slot, sequencer, prover.Address);
            Assert.Equal(1, await SlotFailoverTests.RollupEventCountAsync(cluster.Anvil, deployment.Rollup, SlotFailoverTests.ProverCommitted, slot));
            var finalised = await TransactionAsync(cluster, inBlock);
            Assert.True(finalised.Stage >= TransactionStage.Proven && finalised.Slot == slot, $"the transaction accepted before slot {slot}: stage {finalised.Stage} in slot {finalised.Slot}");
            var pooled = await TransactionAsync(cluster, waiting);
            Assert.Equal(TransactionStage.InPool, pooled.Stage);
            Assert.True((await cluster.Grains.GetGrain<ITransactionPoolGrain>(ITransactionPoolGrain.Key).GetAsync()).Pending >= 1);
            output.WriteLine($"done after {clock.Elapsed.TotalSeconds:0.0} s");
        }
        catch
        {
            cluster.WriteLogTails(80);
            throw;
        }
    }

    /// <summary>A fresh random blob posted to a live silo's ingress as a user would; its hash once accepted (202).</summary>
    private static async Task<string> SubmitTransactionAsync(SiloProcessCluster cluster, int fee)
    {
        using var http = new HttpClient { BaseAddress = cluster.Silos.First(x => !x.HasExited).Web };
        var blob = "0x" + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(64)).ToLowerInvariant();
        var response = await http.PostAsJsonAsync("/api/v1/transactions", new { transaction = blob, fee = fee.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        return response.Headers.Location!.ToString().Split('/')[^1];
    }

    /// <summary>The transaction as a user reads it (GET /api/v1/transactions/{hash}) from a live silo.</summary>
    private static async Task<(TransactionStage Stage, ulong? Slot)> TransactionAsync(SiloProcessCluster cluster, string hash)
    {
        using var http = new HttpClient { BaseAddress = cluster.Silos.First(x => !x.HasExited).Web };
        var body = await http.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/v1/transactions/{hash}");
        var slot = body.GetProperty("slot");
        return ((TransactionStage)body.GetProperty("stage").GetInt32(), slot.ValueKind == System.Text.Json.JsonValueKind.Number ? slot.GetUInt64() : null);
    }

    /// <summary>The hosted sequencer registered and Active through the platform's grains; the prover approved. Returns the first slot whose seed is fixed after that.</summary>
    private static async Task<ulong> ActiveSequencerAsync(SiloProcessCluster cluster, StakingTokenContract token)
    {
        var deployment = cluster.Deployment;
        await SlotFailoverTests.RetryAsync(() => cluster.Grains.GetGrain<ITenantGrain>(SiloProcessCluster.Tenant).SaveAsync(SiloProcessCluster.Tenant));
        await cluster.Grains.GetGrain<IPublisherGrain>(cluster.Publisher.ToString()).AttachAsync(SiloProcessCluster.Tenant);
        var grain = cluster.Grains.GetGrain<ISequencerGrain>(cluster.Sequencers.Single().ToString());
        await grain.ImportAsync(SiloProcessCluster.Tenant);
        await grain.RegisterAsync(SiloProcessCluster.Tenant, new SequencerRegistration(cluster.Publisher, cluster.Publisher, 100 * Token));
        await token.ApproveAsync(DevAccounts.Store.Find(DevAccounts.Account(ProverAccount))!, deployment.Rollup, 1_000 * deployment.MinBond);
        await cluster.Anvil.MineAsync((int)deployment.EntryPeriodBlocks + 1);
        await FollowedAsync(cluster);
        return deployment.Schedule!.SlotAt(await cluster.HeadAsync())!.Value + deployment.Schedule.Lag + 1;
    }

    /// <summary>A prover agent (fee 1) talking to <paramref name="front"/>, started while the head is before <paramref name="slot"/>.</summary>
    private static async Task<ProverProcess> StartAgentAsync(SiloProcessCluster cluster, SiloProcess front, ulong slot)
    {
        var agent = await ProverProcess.StartAsync($"prover-{slot}",
            new Dictionary<string, string> { ["PROVER_DEV_KEY"] = DevAccounts.PrivateKeyHex(ProverAccount) },
            "--rpc-url", cluster.Anvil.RpcUrl.ToString(), "--deployment", cluster.DeploymentFile, "--platform", front.Web.ToString(),
            "--fee", "1", "--prove-after-blocks", ProveAfterBlocks.ToString(System.Globalization.CultureInfo.InvariantCulture), "--poll-ms", "100");
        try
        {
            Assert.True(await agent.WaitForAsync("ready", Patience), $"the agent did not start:\n{string.Join("\n", agent.Lines)}");
            Assert.True(await cluster.HeadAsync() < cluster.Deployment.Schedule!.ProposalDue(slot), "starting the agent moved the chain into the slot");
            return agent;
        }
        catch
        {
            // Not handed to the test, so nobody else would stop it: a failed start must not leave the process running.
            await agent.DisposeAsync();
            throw;
        }
    }

    /// <summary>One BlockProposed; the gate's proposal and commitment authorisation are what L1 took, and every request was granted or repeated.</summary>
    private async Task AssertOneSignaturePerDutyAsync(SiloProcessCluster cluster, FernetRollupContract rollup, ulong slot, Address sequencer, Address prover)
    {
        var view = await SlotFailoverTests.RetryAsync(() => cluster.Grains.GetGrain<ISlotGrain>(SlotKeys.Slot(slot)).GetAsync());
        output.WriteLine($"slot {slot}: outcome {view.Outcome}, L2 block {view.L2BlockNumber}, last error {view.LastError ?? "none"}");
        Assert.Equal(SlotOutcome.Finalised, view.Outcome);
        Assert.Equal(prover, view.CommittedProver);
        var onL1 = await rollup.ProposalOfAsync(slot);
        Assert.Equal(sequencer, onL1.Sequencer);
        Assert.Equal(view.OurBlockHash, onL1.Proposal.BlockHash);
        Assert.Equal(1, await SlotFailoverTests.BlockProposedCountAsync(cluster.Anvil, cluster.Deployment.Rollup, slot));
        var rows = await SlotFailoverTests.SignedDutiesAsync(cluster.Database, sequencer, slot);
        Assert.Equal(["commitment_authorisation", "proposal"], rows.Select(r => r.Duty).Order(StringComparer.Ordinal));
        Assert.Equal(await rollup.ProposalDigestAsync(slot, onL1.Proposal), Keccak256.Hash(rows.Single(r => r.Duty == "proposal").Payload));
        Assert.Equal(await rollup.CommitmentDigestAsync(slot, onL1.Proposal.BlockHash, prover, cluster.Deployment.MinBond),
            Keccak256.Hash(rows.Single(r => r.Duty == "commitment_authorisation").Payload));
        var audit = await SlotFailoverTests.AuditOutcomesAsync(cluster.Database, sequencer, slot);
        output.WriteLine($"slot {slot}: gate audit {string.Join(", ", audit)}");
        Assert.Equal(2, audit.Count(a => a.EndsWith(" granted", StringComparison.Ordinal)));
        Assert.All(audit, a => Assert.True(a.EndsWith(" granted", StringComparison.Ordinal) || a.EndsWith(" repeated", StringComparison.Ordinal), a));
        var bond = await SlotFailoverTests.RetryAsync(() => cluster.Grains.GetGrain<IProverBondGrain>(SlotKeys.Bond(slot, prover)).GetAsync());
        Assert.Equal(BondStatus.Released, bond.Status);
    }

    /// <summary>The process hosting <paramref name="slotGrain"/>'s activation (activated first if it is not).</summary>
    private static async Task<SiloProcess> HostOfAsync(SiloProcessCluster cluster, ISlotGrain slotGrain)
    {
        await SlotFailoverTests.RetryAsync(() => slotGrain.GetAsync());
        var host = await SlotFailoverTests.RetryAsync<SiloAddress?>(() => cluster.Grains.GetGrain<IManagementGrain>(0).GetActivationAddress(slotGrain).AsTask())
            ?? throw new InvalidOperationException("the slot grain has no activation");
        return cluster.ProcessOf(host);
    }

    /// <summary>SIGKILLs the slot grain's host; the task it returns ends when membership declares that silo Dead (fails after <see cref="Patience"/>).</summary>
    private async Task<(SiloProcess, ulong, Task<TimeSpan>)> KillHostAsync(SiloProcessCluster cluster, ISlotGrain slotGrain, ulong slot, string phase)
    {
        var silo = await HostOfAsync(cluster, slotGrain);
        silo.KillHard();
        var sinceKill = Stopwatch.StartNew();
        output.WriteLine($"slot {slot} in {phase}: kill -9 of {silo.Name} (pid {silo.Id}, silo port {silo.SiloPort}), the slot grain's host");
        return (silo, slot, DeclaredDeadAsync(cluster, silo, sinceKill));
    }

    private static async Task<TimeSpan> DeclaredDeadAsync(SiloProcessCluster cluster, SiloProcess silo, Stopwatch sinceKill)
    {
        await WaitAsync($"{silo.Name} declared Dead in orleans_membership", async () =>
            (await PostgresCluster.MembershipAsync(cluster.Database, cluster.ClusterId)).Any(m => m.Name == silo.Name && m.Status == (int)SiloStatus.Dead));
        return sinceKill.Elapsed;
    }

    private async Task StopAsync(ProverProcess agent)
    {
        await agent.DisposeAsync();
        foreach (var line in agent.Lines)
        {
            output.WriteLine($"[{agent.Name}] {line}");
        }
    }

    /// <summary>Polls <paramref name="done"/> (grain calls may fail or time out while a killed silo is being declared dead).</summary>
    private static async Task WaitAsync(string what, Func<Task<bool>> done)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await done())
                {
                    return;
                }
            }
            catch (Exception e) when (e is OrleansException or TimeoutException)
            {
            }
            await Task.Delay(100);
        }
        Assert.Fail($"waited {Patience.TotalSeconds} s for {what}");
    }

    private static async Task MineToAsync(SiloProcessCluster cluster, ulong block)
    {
        var head = await cluster.HeadAsync();
        if (block > head)
        {
            await cluster.Anvil.MineAsync((int)(block - head));
        }
        await FollowedAsync(cluster);
    }

    private static Task FollowedAsync(SiloProcessCluster cluster) => WaitAsync("the follower at the head", async () =>
        (await cluster.Grains.GetGrain<IL1FollowerGrain>(IL1FollowerGrain.Key).GetAsync()).LastBlock >= await cluster.HeadAsync());
}
