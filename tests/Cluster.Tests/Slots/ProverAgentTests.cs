using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Numerics;
using System.Text.Json;
using Hosting.Cluster.Tests.L1;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Publishers;
using Hosting.Contracts.Sequencers;
using Hosting.Contracts.Slots;
using Hosting.Contracts.Tenants;
using Hosting.Grains.Slots;
using Hosting.L1.Contracts;
using Hosting.L1.Rpc;
using Hosting.L1.Signing;
using Hosting.Portal.Access;
using Xunit.Abstractions;
using SlotStatus = Hosting.L1.Contracts.FernetRollupContract.RollupSlotStatus;

namespace Hosting.Cluster.Tests.Slots;

/// <summary>
/// Prover agents as separate processes (src/Prover) against the platform's proof-boost endpoints over HTTP, two
/// PostgreSQL silos and a real anvil that moves only when the test mines (each transaction is its own block).
/// Every network sequencer is hosted, so every slot is the platform's; between slots the agents are restarted
/// with the fault mode the next slot exercises.
/// </summary>
[Collection(SlotChainCollection.Name)]
public sealed class ProverAgentTests(ITestOutputHelper output)
{
    private const string Tenant = "provers";
    private static readonly BigInteger Token = BigInteger.Pow(10, 18);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Agents_quote_commit_and_prove_and_each_fault_mode_ends_as_the_protocol_says_and_the_next_slot_recovers()
    {
        var clock = Stopwatch.StartNew();
        await using var chain = await ChainUnderTest.StartAsync(silos: 2);
        await using var web = await PlatformWeb.StartAsync(chain.Grains);
        var deployment = chain.Deployment;
        var schedule = deployment.Schedule!;
        var l1 = new EthereumClient(new JsonRpcClient(new RpcOptions { Endpoints = [chain.Anvil.RpcUrl] }));
        var rollup = new FernetRollupContract(l1, deployment.Rollup);
        var token = new StakingTokenContract(l1, deployment.Token);
        var publisher = DevAccounts.Account(1);
        var (a, b, c) = (DevAccounts.Account(2), DevAccounts.Account(3), DevAccounts.Account(0));
        var names = new Dictionary<Address, string> { [a] = "A", [b] = "B", [c] = "C" };
        var minBond = deployment.MinBond;

        await chain.Grains.GetGrain<ITenantGrain>(Tenant).SaveAsync(Tenant);
        await chain.Grains.GetGrain<IPublisherGrain>(publisher.ToString()).AttachAsync(Tenant);
        foreach (var sequencer in Enumerable.Range(0, 3).Select(_ => DevAccounts.NewSequencer()))
        {
            var grain = chain.Grains.GetGrain<ISequencerGrain>(sequencer.ToString());
            await grain.ImportAsync(Tenant);
            await grain.RegisterAsync(Tenant, new SequencerRegistration(publisher, publisher, 100 * Token));
        }
        // Approved here rather than by each agent's first start, whose approval would be a block of its own mined mid-scenario.
        foreach (var prover in names.Keys)
        {
            await token.ApproveAsync(DevAccounts.Store.Find(prover)!, deployment.Rollup, 1_000 * minBond);
        }
        await chain.MineAsync((int)deployment.EntryPeriodBlocks + 1);
        var slot = schedule.SlotAt(await chain.HeadAsync())!.Value + 1;
        await chain.MineToAsync(schedule.ProposalDue(slot) - 1);

        var agents = new List<ProverProcess>();
        async Task RestartAsync(params (int Account, string Fee, string Fault)[] wanted)
        {
            await StopAsync(agents, output);
            foreach (var (account, fee, fault) in wanted)
            {
                agents.Add(await ProverProcess.StartAgentAsync(names[DevAccounts.Account(account)], account, chain, web, fee, fault, Patience));
            }
            Assert.True(await chain.HeadAsync() < schedule.ProposalDue(slot), "starting the agents moved the chain into the slot");
        }
        ISlotGrain Slot() => chain.Grains.GetGrain<ISlotGrain>(SlotKeys.Slot(slot));
        Task<ProverRecord> Record(Address prover) => chain.Grains.GetGrain<IProverRecordGrain>(prover.ToString()).GetAsync();
        Task<ProverBondView> Bond(Address prover) => chain.Grains.GetGrain<IProverBondGrain>(SlotKeys.Bond(slot, prover)).GetAsync();
        var reward = 10 * Token;

        try
        {
            // 1. Happy path: A (fee 1) and B (fee 2) quote; A is chosen, commits, proves; its bond comes back with the prover's and the submitter's shares.
            await RestartAsync((2, "1", "none"), (3, "2", "none"));
            var aBefore = await token.BalanceOfAsync(a);
            await RunSlotAsync(output, chain, slot, quotes: 2, committed: true, proven: true, slashed: null);
            var view = await Slot().GetAsync();
            Assert.Equal(SlotOutcome.Finalised, view.Outcome);
            Assert.Equal(a, view.CommittedProver);
            Assert.Equal(SlotStatus.Finalised, await rollup.SlotStatusAsync(slot));
            Assert.Equal(BondStatus.Released, (await Bond(a)).Status);
            Assert.Equal(aBefore + reward * 3_000 / 10_000, await token.BalanceOfAsync(a));
            Assert.True(agents[0].Printed($"slot {slot}: proven and finalised"), string.Join("\n", agents[0].Lines));
            Assert.False(agents[1].Printed($"slot {slot}: authorised"));
            await CheckQuoteRefusalsOverHttpAsync(web, deployment.Rollup, slot, schedule.CommitmentStart(slot));
            output.WriteLine($"slot {slot}: happy path done after {clock.Elapsed.TotalSeconds:0.0} s");

            // 2. A quotes and never commits: after the grace the slot authorises B, the next quote, which commits and proves.
            slot++;
            await RestartAsync((2, "1", "quote-never-commit"), (3, "2", "none"));
            await RunSlotAsync(output, chain, slot, quotes: 2, committed: true, proven: true, slashed: null);
            view = await Slot().GetAsync();
            Assert.Equal(SlotOutcome.Finalised, view.Outcome);
            Assert.Equal(b, view.CommittedProver);
            Assert.NotNull(await Slot().AuthorisationForAsync(a));
            Assert.Equal(1, (await Record(a)).Lapsed);
            output.WriteLine($"slot {slot}: fallback to the next quote done after {clock.Elapsed.TotalSeconds:0.0} s");

            // 3. B commits and never proves: A let its last authorisation lapse, so B is chosen; the bond grain slashes B's bond at Backup.
            slot++;
            await RestartAsync((2, "1", "none"), (3, "2", "commit-never-prove"));
            var bBefore = await token.BalanceOfAsync(b);
            var publisherBefore = await token.BalanceOfAsync(publisher);
            await RunSlotAsync(output, chain, slot, quotes: 2, committed: true, proven: false, slashed: b);
            view = await Slot().GetAsync();
            Assert.Equal(SlotOutcome.Backup, view.Outcome);
            Assert.Equal(b, view.CommittedProver);
            Assert.Equal(BondStatus.Slashed, (await Bond(b)).Status);
            Assert.Equal(bBefore - minBond, await token.BalanceOfAsync(b));
            Assert.Equal(publisherBefore + minBond * 1_000 / 10_000, await token.BalanceOfAsync(publisher));
            Assert.Equal(1, (await Record(b)).Slashed);
            output.WriteLine($"slot {slot}: slash done after {clock.Elapsed.TotalSeconds:0.0} s");

            // 4. B has a slash on record and is skipped; A is chosen and proves too late: the rollup refuses the proof, A's bond is slashed.
            slot++;
            await RestartAsync((2, "1", "prove-late"), (3, "0", "none"));
            await RunSlotAsync(output, chain, slot, quotes: 2, committed: true, proven: false, slashed: a);
            view = await Slot().GetAsync();
            Assert.Equal(SlotOutcome.Backup, view.Outcome);
            Assert.Equal(a, view.CommittedProver);
            Assert.Null(await Slot().AuthorisationForAsync(b));
            Assert.True(await agents[0].WaitForAsync("submitProof reverted: Rollup__NotProvingPhase", Patience), string.Join("\n", agents[0].Lines));
            output.WriteLine($"slot {slot}: late proof done after {clock.Elapsed.TotalSeconds:0.0} s");

            // 5. Both quoting provers have a slash on record: nobody is authorised, nobody commits, backup opens at
            // Reveal. The tenant's backup policy is the default, submit: the platform's own agent (C, backup mode) asks,
            // is told yes, submits the backup block and takes the whole reward.
            slot++;
            var policy = chain.Grains.GetGrain<IProverPolicyGrain>(Tenant);
            Assert.Equal(BackupPolicy.Submit, (await policy.GetAsync()).Backup);
            await RestartAsync((2, "1", "none"), (3, "2", "none"), (0, "0", "backup"));
            var cBefore = await token.BalanceOfAsync(c);
            using var backupBlocks = new CounterWatch("hosting.proofboost.backup_blocks");
            using var decisions = new CounterWatch("hosting.proofboost.backup_decisions");
            await RunSlotAsync(output, chain, slot, quotes: 2, committed: false, proven: false, slashed: null, backup: true);
            view = await Slot().GetAsync();
            // The SRE's view of it: one backup block on the tenant's slot, because nobody committed.
            Assert.True(await Eventually.WaitAsync(() => Task.FromResult(backupBlocks.Total(("tenant", Tenant), ("reason", "no_commitment")) == 1), TimeSpan.FromSeconds(20)),
                $"hosting.proofboost.backup_blocks counted {backupBlocks.Total(("tenant", Tenant), ("reason", "no_commitment"))} backup blocks for the slot");
            Assert.Equal(SlotOutcome.Backup, view.Outcome);
            Assert.Null(view.CommittedProver);
            Assert.Equal(SlotStatus.BackupFinalised, await rollup.SlotStatusAsync(slot));
            Assert.Contains("NoCommitment", view.LastError, StringComparison.Ordinal);
            Assert.Equal(cBefore + reward, await token.BalanceOfAsync(c));
            Assert.True(agents[2].Printed($"slot {slot}: backup block finalised"), string.Join("\n", agents[2].Lines));
            Assert.True(agents[2].Printed($"slot {slot}: backup open; the platform says submit"), string.Join("\n", agents[2].Lines));
            Assert.Equal(1, decisions.Total(("tenant", Tenant), ("decision", "submit")));
            Assert.Equal(0, decisions.Total(("tenant", Tenant), ("decision", "skipped_by_policy")));
            output.WriteLine($"slot {slot}: no commitment, backup by our agent done after {clock.Elapsed.TotalSeconds:0.0} s");

            // 5b. The same failure after the tenant set its backup policy to never: our agent is told no and says so,
            // sends nothing; someone else (here B, from the test) submits the backup block and takes the reward.
            slot++;
            await policy.SetAsync((await policy.GetAsync()) with { Backup = BackupPolicy.Never });
            await RestartAsync((2, "1", "none"), (3, "2", "none"), (0, "0", "backup"));
            cBefore = await token.BalanceOfAsync(c);
            using var skips = new CounterWatch("hosting.proofboost.backup_decisions");
            await chain.MineToAsync(schedule.StartOf(slot));
            await WaitAsync($"slot {slot}: 2 quotes", async () => (await Slot().GetAsync()).Quotes >= 2);
            await chain.MineToAsync(schedule.CommitmentStart(slot));
            // Nobody qualifies (both slashed), so nobody is authorised: no grace to wait out here.
            await Task.Delay(TimeSpan.FromSeconds(1));
            Assert.Equal(SlotStatus.Proposed, await rollup.SlotStatusAsync(slot));
            // Backup is not open yet, so our agent has not asked; the slot grain already knows the answer (skip). Asked
            // by anyone else (no token, a made-up token, the platform admin's) it is refused and not counted.
            await CheckBackupQuestionRefusedAsync(web, slot);
            Assert.Equal(0, skips.Total(("tenant", Tenant)));
            await chain.MineToAsync(schedule.RevealStart(slot));
            Assert.True(await rollup.CallAsync<bool>("isBackupOpen", new BigInteger(slot)));
            var skipped = $"slot {slot}: backup open; not submitting: the tenant whose sequencer won slot {slot} set its backup policy to never";
            Assert.True(await agents[2].WaitForAsync(skipped, Patience), string.Join("\n", agents[2].Lines));
            // A block later (the agent asks again at every block) it still sends nothing.
            await chain.MineToAsync(schedule.RevealStart(slot) + 1);
            await Task.Delay(TimeSpan.FromSeconds(2));
            Assert.Equal(SlotStatus.Proposed, await rollup.SlotStatusAsync(slot));
            Assert.False(agents[2].Printed($"slot {slot}: backup open; the platform says submit"), string.Join("\n", agents[2].Lines));
            Assert.False(agents[2].Printed("submitBackupBlock sent"), string.Join("\n", agents[2].Lines));
            Assert.Equal(1, skips.Total(("tenant", Tenant), ("decision", "skipped_by_policy")));
            Assert.Equal(0, skips.Total(("tenant", Tenant), ("decision", "submit")));

            var someoneElse = DevAccounts.Store.Find(b)!;
            var bBeforeBackup = await token.BalanceOfAsync(b);
            var tip = await rollup.TipAsync();
            var block = BlockBuilder.Build(slot, tip.Archive, Hash32.Zero);
            var proposal = new FernetRollupContract.Proposal(block.Archive, block.BlockHash, block.TxsEffectsHash, block.UpgradeSignal);
            await rollup.SendAsync(someoneElse, "submitBackupBlock",
                [new BigInteger(slot), proposal.ToAbi(), block.Data, SlotPipelineTests.DevnetProof(slot, tip.Archive, proposal, b)]);
            await WaitAsync($"slot {slot}: someone else's backup block", async () => await rollup.SlotStatusAsync(slot) == SlotStatus.BackupFinalised);
            await chain.MineToAsync(schedule.ProposalDue(slot + 1) - 1);
            view = await Slot().GetAsync();
            Assert.Equal(SlotOutcome.Backup, view.Outcome);
            Assert.Contains("NoCommitment", view.LastError, StringComparison.Ordinal);
            Assert.Equal(bBeforeBackup + reward, await token.BalanceOfAsync(b));
            Assert.Equal(cBefore, await token.BalanceOfAsync(c));
            Assert.False(agents[2].Printed("submitBackupBlock sent"), string.Join("\n", agents[2].Lines));
            output.WriteLine($"slot {slot}: backup left to others by policy done after {clock.Elapsed.TotalSeconds:0.0} s");
            await policy.SetAsync((await policy.GetAsync()) with { Backup = BackupPolicy.Submit });

            // 6. A new prover with a clean record: the slot finalises again.
            slot++;
            await RestartAsync((0, "5", "none"), (2, "1", "none"));
            await RunSlotAsync(output, chain, slot, quotes: 2, committed: true, proven: true, slashed: null);
            view = await Slot().GetAsync();
            Assert.Equal(SlotOutcome.Finalised, view.Outcome);
            Assert.Equal(c, view.CommittedProver);
            output.WriteLine($"slot {slot}: recovered after {clock.Elapsed.TotalSeconds:0.0} s");
        }
        finally
        {
            await StopAsync(agents, output);
        }
    }

    /// <summary>
    /// Mines through one slot, stopping where an agent or the platform must act and waiting (with a deadline) until
    /// it did: quotes in, commitment mined, proof mined, bond slashed.
    /// </summary>
    internal static async Task RunSlotAsync(ITestOutputHelper output, ChainUnderTest chain, ulong slot, int quotes, bool committed, bool proven, Address? slashed, bool backup = false)
    {
        var schedule = chain.Deployment.Schedule!;
        var rollup = new FernetRollupContract(new EthereumClient(new JsonRpcClient(new RpcOptions { Endpoints = [chain.Anvil.RpcUrl] })), chain.Deployment.Rollup);
        var grain = chain.Grains.GetGrain<ISlotGrain>(SlotKeys.Slot(slot));

        await chain.MineToAsync(schedule.StartOf(slot));
        await WaitAsync($"slot {slot}: {quotes} quotes", async () => (await grain.GetAsync()).Quotes >= quotes);
        await chain.MineToAsync(schedule.CommitmentStart(slot));
        if (committed)
        {
            // The platform reveals in the block after the commitment: seen as Committed or already Revealed.
            await WaitAsync($"slot {slot}: a commitment", async () => await rollup.SlotStatusAsync(slot) is SlotStatus.Committed or SlotStatus.Revealed);
        }
        else
        {
            // Two graces: time for a fallback that must not happen.
            await Task.Delay(TimeSpan.FromSeconds(7));
            Assert.Equal(SlotStatus.Proposed, await rollup.SlotStatusAsync(slot));
        }
        await chain.MineToAsync(schedule.RevealStart(slot));
        if (committed)
        {
            await WaitAsync($"slot {slot}: the reveal", async () => await rollup.SlotStatusAsync(slot) == SlotStatus.Revealed);
        }
        if (backup)
        {
            await WaitAsync($"slot {slot}: the backup block", async () => await rollup.SlotStatusAsync(slot) == SlotStatus.BackupFinalised);
        }
        await chain.MineToAsync(schedule.ProvingStart(slot) + 1);
        if (proven)
        {
            await WaitAsync($"slot {slot}: the proof", async () => await rollup.SlotStatusAsync(slot) == SlotStatus.Finalised);
        }
        await chain.MineToAsync(schedule.BackupStart(slot));
        if (slashed is { } prover)
        {
            await WaitAsync($"slot {slot}: the slash", async () =>
                (await chain.Grains.GetGrain<IProverBondGrain>(SlotKeys.Bond(slot, prover)).GetAsync()).Status == BondStatus.Slashed);
        }
        await chain.MineToAsync(schedule.ProposalDue(slot + 1) - 1);
        output.WriteLine($"slot {slot}: {await grain.GetAsync()}");
    }

    /// <summary>The backup question without a credential is 401, with one that is not a prover agent token 403, both as problems.</summary>
    private static async Task CheckBackupQuestionRefusedAsync(PlatformWeb web, ulong slot)
    {
        using var http = new HttpClient { BaseAddress = web.Address };
        var anonymous = await http.GetAsync($"/api/v1/slots/{slot}/backup");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("application/problem+json", anonymous.Content.Headers.ContentType?.MediaType);
        foreach (var token in new[] { "made-up-token", PortalOptions.DevnetAdminToken })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/slots/{slot}/backup");
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            var refused = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.DoesNotContain("verdict", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    /// <summary>With a deployed rollup: a quote signed by another key names both addresses, an expired one its expiry.</summary>
    private static async Task CheckQuoteRefusalsOverHttpAsync(PlatformWeb web, Address rollup, ulong slot, ulong commitmentStart)
    {
        using var http = new HttpClient { BaseAddress = web.Address };
        var prover = DevAccounts.Account(2);
        var impostor = DevAccounts.Store.Find(DevAccounts.Account(3))!;
        var next = slot + 1;
        var quote = new ProverQuote(next, prover, 1, 10 * Token, commitmentStart + 100);
        var forged = await impostor.SignPersonalMessageAsync(QuoteText.For(quote, rollup));
        var response = await http.PostAsJsonAsync($"/api/v1/slots/{next}/quotes", Body(quote, forged.ToString()));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var message = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("signature")[0].GetString()!;
        Assert.Contains(prover.ToString(), message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(impostor.Address.ToString(), message, StringComparison.OrdinalIgnoreCase);

        var expired = quote with { ExpiryBlock = 1 };
        var signed = await DevAccounts.Store.Find(prover)!.SignPersonalMessageAsync(QuoteText.For(expired, rollup));
        response = await http.PostAsJsonAsync($"/api/v1/slots/{next}/quotes", Body(expired, signed.ToString()));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("expires at block 1", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("expiryBlock")[0].GetString());
    }

    private static object Body(ProverQuote quote, string signature) => new
    {
        prover = quote.Prover.ToString(),
        fee = quote.Fee.ToString(System.Globalization.CultureInfo.InvariantCulture),
        bond = quote.Bond.ToString(System.Globalization.CultureInfo.InvariantCulture),
        expiryBlock = quote.ExpiryBlock,
        signature,
    };

    internal static async Task StopAsync(List<ProverProcess> agents, ITestOutputHelper output)
    {
        foreach (var agent in agents)
        {
            await agent.DisposeAsync();
            foreach (var line in agent.Lines)
            {
                output.WriteLine($"[{agent.Name}] {line}");
            }
        }
        agents.Clear();
    }

    private static async Task WaitAsync(string what, Func<Task<bool>> done)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            if (await done())
            {
                return;
            }
            await Task.Delay(50);
        }
        Assert.Fail($"waited {Patience.TotalSeconds} s for {what}");
    }
}
