using System.Diagnostics;
using System.Numerics;
using System.Security.Cryptography;
using Hosting.Cluster.Tests.L1;
using Hosting.Cluster.Tests.Postgres;
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
using Hosting.Signing;
using Hosting.Signing.Keystore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.TestingHost;
using Xunit.Abstractions;

namespace Hosting.Cluster.Tests.Slots;

/// <summary>
/// The silo hosting an active slot grain is killed (TestCluster.KillSiloAsync: no deactivation, no last write)
/// once in Proposal right after the proposal went out and once in Proving after the prover committed. Three
/// PostgreSQL silos with the signing-safety gate (GatedDutySigner, the sequencer's key in key custody), anvil
/// mined on demand, the test acting as the prover. Each slot must still finalise, with exactly one gate record
/// per duty that matches what is on L1, exactly one BlockProposed, and the bond released.
/// </summary>
[Collection(SlotChainCollection.Name)]
public sealed class SlotFailoverTests(ITestOutputHelper output)
{
    internal const string Tenant = "acme";
    private const string KeystorePassword = "failover test";
    private static readonly BigInteger Token = BigInteger.Pow(10, 18);

    [Fact]
    public async Task A_slot_whose_silo_is_killed_in_Proposal_or_in_Proving_still_finalises_with_one_signature_per_duty()
    {
        var clock = Stopwatch.StartNew();
        await using var chain = await ChainUnderTest.StartAsync(silos: 4, configure: b => b.AddSiloBuilderConfigurator<SiloWithGate>());
        var deployment = chain.Deployment;
        var schedule = deployment.Schedule ?? throw new InvalidOperationException("the deployment file has no slot schedule");
        var l1 = new EthereumClient(new JsonRpcClient(new RpcOptions { Endpoints = [chain.Anvil.RpcUrl] }));
        var rollup = new FernetRollupContract(l1, deployment.Rollup);
        var token = new StakingTokenContract(l1, deployment.Token);
        var publisher = DevAccounts.Account(1);
        var prover = DevAccounts.Store.Find(DevAccounts.Account(3))!;
        var database = Services(chain.Cluster.Silos[0]).GetRequiredService<IConfiguration>()[PostgresCluster.ConnectionKey]!;

        // The only sequencer on L1 is hosted, so every slot is ours. Its key is in key custody (the gate signs
        // with it, on every silo) and in the silos' account store (hosting and L1 registration).
        var sequencer = await ImportSequencerAsync(chain, Tenant);
        Assert.IsType<KeyRoutingDutySigner>(Services(chain.Cluster.Silos[1]).GetRequiredService<IDutySigner>());
        await chain.Grains.GetGrain<ITenantGrain>(Tenant).SaveAsync(Tenant);
        await chain.Grains.GetGrain<IPublisherGrain>(publisher.ToString()).AttachAsync(Tenant);
        var grain = chain.Grains.GetGrain<ISequencerGrain>(sequencer.ToString());
        await grain.ImportAsync(Tenant);
        await grain.RegisterAsync(Tenant, new SequencerRegistration(publisher, publisher, 100 * Token));
        await token.ApproveAsync(prover, deployment.Rollup, 1_000_000 * Token);

        await chain.MineAsync((int)deployment.EntryPeriodBlocks + 1);
        // The first slot whose forecast (LAG - 1 slots ahead) comes after the sequencer became active.
        var first = schedule.SlotAt(await chain.HeadAsync())!.Value + schedule.Lag + 1;
        output.WriteLine($"set up after {clock.Elapsed.TotalSeconds:0.0} s; slots {first} (kill in Proposal), {first + 1} (in Proving), {first + 2} (in Commitment)");

        var proverStart = await token.BalanceOfAsync(prover.Address);
        await RunSlotAsync(chain, rollup, first, SlotPhase.Proposal, prover);
        await RunSlotAsync(chain, rollup, first + 1, SlotPhase.Proving, prover);
        await RunSlotAsync(chain, rollup, first + 2, SlotPhase.Commitment, prover);

        foreach (var slot in new[] { first, first + 1, first + 2 })
        {
            var view = await RetryAsync(() => chain.Grains.GetGrain<ISlotGrain>(SlotKeys.Slot(slot)).GetAsync());
            output.WriteLine($"slot {slot}: outcome {view.Outcome}, L2 block {view.L2BlockNumber}, last error {view.LastError ?? "none"}");
            Assert.Equal(SlotOutcome.Finalised, view.Outcome);
            Assert.Equal(FernetRollupContract.RollupSlotStatus.Finalised, await rollup.SlotStatusAsync(slot));
            var onL1 = await rollup.ProposalOfAsync(slot);
            Assert.Equal(sequencer, onL1.Sequencer);
            Assert.Equal(view.OurBlockHash, onL1.Proposal.BlockHash);
            Assert.Equal(1, await RollupEventCountAsync(chain, BlockProposed, slot));

            // The gate holds one proposal and one commitment authorisation for the slot, and they are what L1 took.
            var rows = await SignedDutiesAsync(database, sequencer, slot);
            Assert.Equal(["commitment_authorisation", "proposal"], rows.Select(r => r.Duty).Order(StringComparer.Ordinal));
            Assert.Equal(await rollup.ProposalDigestAsync(slot, onL1.Proposal), Keccak256.Hash(rows.Single(r => r.Duty == "proposal").Payload));
            Assert.Equal(await rollup.CommitmentDigestAsync(slot, onL1.Proposal.BlockHash, prover.Address, deployment.MinBond),
                Keccak256.Hash(rows.Single(r => r.Duty == "commitment_authorisation").Payload));

            // Every request the platform made for the slot was granted or answered with the stored signature: no
            // conflicting payload was ever asked for, before or after the failover.
            var audit = await AuditOutcomesAsync(database, sequencer, slot);
            output.WriteLine($"slot {slot}: gate audit {string.Join(", ", audit)}");
            Assert.Equal(2, audit.Count(a => a.EndsWith(" granted", StringComparison.Ordinal)));
            Assert.All(audit, a => Assert.True(a.EndsWith(" granted", StringComparison.Ordinal) || a.EndsWith(" repeated", StringComparison.Ordinal), a));

            var bond = await RetryAsync(() => chain.Grains.GetGrain<IProverBondGrain>(SlotKeys.Bond(slot, prover.Address)).GetAsync());
            Assert.Equal(BondStatus.Released, bond.Status);
        }
        // Three proofs: each bond came back with the prover's 3 000 bps of the 10-token block reward.
        Assert.Equal(proverStart + 3 * (10 * Token) * 3_000 / 10_000, await token.BalanceOfAsync(prover.Address));
        output.WriteLine($"done after {clock.Elapsed.TotalSeconds:0.0} s");
    }

    /// <summary>
    /// The set-up the slot tests share: the tenant's sequencer imported into custody (its duties go through the gate),
    /// registered by dev account 1 as publisher and withdrawer and Active; dev account 3 approved to bond as prover.
    /// Returns the first slot whose seed is fixed after that.
    /// </summary>
    internal static async Task<(EthereumClient L1, FernetRollupContract Rollup, StakingTokenContract Token, Address Publisher, IEthSigner Prover, string Database, Address Sequencer, ulong First)> ActiveSequencerAsync(ChainUnderTest chain)
    {
        var deployment = chain.Deployment;
        var schedule = deployment.Schedule!;
        var l1 = new EthereumClient(new JsonRpcClient(new RpcOptions { Endpoints = [chain.Anvil.RpcUrl] }));
        var rollup = new FernetRollupContract(l1, deployment.Rollup);
        var token = new StakingTokenContract(l1, deployment.Token);
        var publisher = DevAccounts.Account(1);
        var prover = DevAccounts.Store.Find(DevAccounts.Account(3))!;
        var database = ((InProcessSiloHandle)chain.Cluster.Silos[0]).SiloHost.Services.GetRequiredService<IConfiguration>()[PostgresCluster.ConnectionKey]!;

        var sequencer = await ImportSequencerAsync(chain);
        await chain.Grains.GetGrain<ITenantGrain>(Tenant).SaveAsync(Tenant);
        await chain.Grains.GetGrain<IPublisherGrain>(publisher.ToString()).AttachAsync(Tenant);
        var grain = chain.Grains.GetGrain<ISequencerGrain>(sequencer.ToString());
        await grain.ImportAsync(Tenant);
        await grain.RegisterAsync(Tenant, new SequencerRegistration(publisher, publisher, 100 * Token));
        await token.ApproveAsync(prover, deployment.Rollup, 1_000_000 * Token);
        await chain.MineAsync((int)deployment.EntryPeriodBlocks + 1);
        return (l1, rollup, token, publisher, prover, database, sequencer, schedule.SlotAt(await chain.HeadAsync())!.Value + schedule.Lag + 1);
    }

    /// <summary>
    /// Issue 7's two kills the first test cannot make. (f) In Commitment with a fallback due: prover A (the cheaper
    /// quote) is authorised and never commits, and the slot grain's silo dies before A's grace is over, taking the
    /// fallback timer with it; the grain, reactivated on a survivor at the next block, authorises B through the gate,
    /// once, and the slot finalises with B. (p) Between the gate's signature and the send: a test decorator around the
    /// silos' duty signer holds the proposal once the gate has recorded and returned its signature, and the silo is
    /// killed there; the grain reactivated elsewhere rebuilds the recorded block, gets the same signature back from the
    /// gate ("repeated") and sends it: one gate row, one BlockProposed, and it is what L1 holds.
    /// </summary>
    [Fact]
    public async Task A_slot_whose_silo_is_killed_with_a_fallback_due_or_between_signing_and_sending_signs_each_duty_once_and_finalises()
    {
        var clock = Stopwatch.StartNew();
        await using var chain = await ChainUnderTest.StartAsync(silos: 3, configure: b => b.AddSiloBuilderConfigurator<SiloWithGateHoldingAProposal>());
        var deployment = chain.Deployment;
        var schedule = deployment.Schedule!;
        var lazy = DevAccounts.Store.Find(DevAccounts.Account(2))!;
        var grace = Services(chain.Cluster.Silos[0]).GetRequiredService<ProofBoostOptions>().CommitmentGrace;
        var (_, rollup, token, publisher, prover, database, sequencer, first) = await ActiveSequencerAsync(chain);
        var (f, p) = (first, first + 1);
        output.WriteLine($"set up after {clock.Elapsed.TotalSeconds:0.0} s; slot {f}: killed with a fallback due, slot {p}: killed between signing and sending the proposal");

        // (f) Both quote; A is cheaper, so A is authorised at Proposal's last block, and the silo dies right after.
        var slotF = chain.Grains.GetGrain<ISlotGrain>(SlotKeys.Slot(f));
        await chain.MineToAsync(schedule.StartOf(f));
        foreach (var (who, fee) in new[] { (lazy, 1), (prover, 2) })
        {
            var answer = await RetryAsync(async () => await slotF.QuoteAsync(await SlotPipelineTests.SignedAsync(
                new ProverQuote(f, who.Address, fee * Token, deployment.MinBond, schedule.RevealStart(f)), deployment.Rollup)));
            Assert.True(answer.Accepted, answer.Reason);
        }
        await chain.MineToAsync(schedule.CommitmentStart(f) - 1);
        Assert.True(await Eventually.WaitAsync(async () => await RetryAsync(() => slotF.AuthorisationForAsync(lazy.Address)) is not null, TimeSpan.FromSeconds(90)), $"slot {f}: A was never authorised");
        await KillHostAsync(chain, slotF, $"slot {f} at Proposal's last block, after A's authorisation");
        // The fallback timer died with the silo: past the grace, still no one else authorised.
        await Task.Delay(grace + TimeSpan.FromSeconds(1));
        Assert.Null(await RetryAsync(() => slotF.AuthorisationForAsync(prover.Address)));
        // Commitment's first block: the reactivated grain finds A's grace over and nothing committed, and falls back to B.
        await chain.MineAsync(1);
        await chain.FollowedAsync();
        CommitmentAuthorisation? fallback = null;
        Assert.True(await Eventually.WaitAsync(async () => (fallback = await RetryAsync(() => slotF.AuthorisationForAsync(prover.Address))) is not null, TimeSpan.FromSeconds(90)),
            $"slot {f}: B was never authorised: {await RetryAsync(() => slotF.GetAsync())}");
        output.WriteLine($"slot {f}: B authorised at head {await chain.HeadAsync()} (Commitment {schedule.CommitmentStart(f)}-{schedule.RevealStart(f) - 1}) after {clock.Elapsed.TotalSeconds:0.0} s");
        await rollup.CommitProverAsync(prover, f, fallback!.Bond, fallback.Signature);
        await chain.FollowedAsync();
        await ProveWhenRevealedAsync(chain, rollup, f, prover);

        // (p) The proposal is held after the gate signed it, and its silo is killed there.
        var slotP = chain.Grains.GetGrain<ISlotGrain>(SlotKeys.Slot(p));
        await chain.MineToAsync(schedule.ProposalDue(p) - 1);
        HoldingDutySigner.Hold(p);
        await chain.MineAsync(1);
        await HoldingDutySigner.Held.WaitAsync(TimeSpan.FromSeconds(90));
        await KillHostAsync(chain, slotP, $"slot {p} in Proposal, signed and not sent");
        Assert.Equal(0, await RollupEventCountAsync(chain, BlockProposed, p));
        await chain.FollowedAsync();
        Assert.True(await Eventually.WaitAsync(async () => (await RetryAsync(() => slotP.GetAsync())).ProposalTransaction is not null, TimeSpan.FromSeconds(90)),
            $"slot {p}: the proposal was never sent after the kill: {await RetryAsync(() => slotP.GetAsync())}");
        output.WriteLine($"slot {p}: proposal sent by the reactivated grain at head {await chain.HeadAsync()} after {clock.Elapsed.TotalSeconds:0.0} s");
        var quoted = await RetryAsync(async () => await slotP.QuoteAsync(await SlotPipelineTests.SignedAsync(
            new ProverQuote(p, prover.Address, 2 * Token, deployment.MinBond, schedule.RevealStart(p)), deployment.Rollup)));
        Assert.True(quoted.Accepted, quoted.Reason);
        await chain.MineToAsync(schedule.CommitmentStart(p) - 1);
        CommitmentAuthorisation? authorisation = null;
        Assert.True(await Eventually.WaitAsync(async () => (authorisation = await RetryAsync(() => slotP.AuthorisationForAsync(prover.Address))) is not null, TimeSpan.FromSeconds(90)));
        await rollup.CommitProverAsync(prover, p, authorisation!.Bond, authorisation.Signature);
        await chain.FollowedAsync();
        await ProveWhenRevealedAsync(chain, rollup, p, prover);

        foreach (var slot in new[] { f, p })
        {
            var view = await RetryAsync(() => chain.Grains.GetGrain<ISlotGrain>(SlotKeys.Slot(slot)).GetAsync());
            output.WriteLine($"slot {slot}: outcome {view.Outcome}, committed {view.CommittedProver}, last error {view.LastError ?? "none"}");
            Assert.Equal(SlotOutcome.Finalised, view.Outcome);
            Assert.Equal(FernetRollupContract.RollupSlotStatus.Finalised, await rollup.SlotStatusAsync(slot));
            Assert.Equal(prover.Address, view.CommittedProver);
            var onL1 = await rollup.ProposalOfAsync(slot);
            Assert.Equal(view.OurBlockHash, onL1.Proposal.BlockHash);
            Assert.Equal(1, await RollupEventCountAsync(chain, BlockProposed, slot));
            Assert.Equal(1, await RollupEventCountAsync(chain, ProverCommitted, slot));
            var rows = await SignedDutiesAsync(database, sequencer, slot);
            var proposal = Assert.Single(rows, r => r.Duty == "proposal");
            Assert.Equal(await rollup.ProposalDigestAsync(slot, onL1.Proposal), Keccak256.Hash(proposal.Payload));
            // B's authorisation once, and it is what L1 took; in f, A's before it.
            var forB = Assert.Single(rows, r => r.Duty == "commitment_authorisation" && r.Prover == prover.Address);
            Assert.Equal(await rollup.CommitmentDigestAsync(slot, onL1.Proposal.BlockHash, prover.Address, deployment.MinBond), Keccak256.Hash(forB.Payload));
            Assert.Equal(slot == f ? 2 : 1, rows.Count(r => r.Duty == "commitment_authorisation"));
            var audit = await AuditOutcomesAsync(database, sequencer, slot);
            output.WriteLine($"slot {slot}: gate audit {string.Join(", ", audit)}");
            Assert.Equal(slot == f ? 3 : 2, audit.Count(a => a.EndsWith(" granted", StringComparison.Ordinal)));
            Assert.All(audit, a => Assert.True(a.EndsWith(" granted", StringComparison.Ordinal) || a.EndsWith(" repeated", StringComparison.Ordinal), a));
            if (slot == p)
            {
                // The reactivated grain asked again for the same payload and got the stored signature back.
                Assert.Contains("proposal repeated", audit);
            }
            Assert.Equal(BondStatus.Released, (await RetryAsync(() => chain.Grains.GetGrain<IProverBondGrain>(SlotKeys.Bond(slot, prover.Address)).GetAsync())).Status);
        }
        var lazyRecord = await RetryAsync(() => chain.Grains.GetGrain<IProverRecordGrain>(lazy.Address.ToString()).GetAsync());
        Assert.Equal((1, 0), (lazyRecord.Lapsed, lazyRecord.Committed));
        output.WriteLine($"done after {clock.Elapsed.TotalSeconds:0.0} s");
    }

    /// <summary>Mines until the slot is revealed on L1 (at most to Proving's start), proves it as <paramref name="prover"/> and waits until it is finalised.</summary>
    private static async Task ProveWhenRevealedAsync(ChainUnderTest chain, FernetRollupContract rollup, ulong slot, IEthSigner prover)
    {
        var schedule = chain.Deployment.Schedule!;
        // One block at a time, each followed, as real time would: the grain reveals at Commitment's last block.
        while (await chain.HeadAsync() < schedule.ProvingStart(slot))
        {
            await chain.MineToAsync(await chain.HeadAsync() + 1);
        }
        Assert.True(await Eventually.WaitAsync(async () => await rollup.SlotStatusAsync(slot) == FernetRollupContract.RollupSlotStatus.Revealed, TimeSpan.FromSeconds(30)),
            $"slot {slot}: not revealed by Proving: {await RetryAsync(() => chain.Grains.GetGrain<ISlotGrain>(SlotKeys.Slot(slot)).GetAsync())}");
        var canonical = await rollup.ProposalOfAsync(slot);
        await rollup.SubmitProofAsync(prover, slot, SlotPipelineTests.DevnetProof(slot, (await rollup.TipAsync()).Archive, canonical.Proposal, prover.Address));
        await chain.FollowedAsync();
        Assert.True(await Eventually.WaitAsync(async () => (await RetryAsync(() => chain.Grains.GetGrain<ISlotGrain>(SlotKeys.Slot(slot)).GetAsync())).Outcome == SlotOutcome.Finalised, TimeSpan.FromSeconds(90)),
            $"slot {slot}: not finalised");
    }

    /// <summary>Drives one slot block by block as the prover would, killing the slot grain's silo once in <paramref name="killIn"/>.</summary>
    private async Task RunSlotAsync(ChainUnderTest chain, FernetRollupContract rollup, ulong slot, SlotPhase killIn, IEthSigner prover)
    {
        var schedule = chain.Deployment.Schedule!;
        var slotGrain = chain.Grains.GetGrain<ISlotGrain>(SlotKeys.Slot(slot));
        await chain.MineToAsync(schedule.ProposalDue(slot) - 1);
        bool quoted = false, killed = false, committed = false, proven = false;
        while (await chain.HeadAsync() < schedule.ProposalDue(slot + 1) - 1)
        {
            await chain.MineAsync(1);
            await chain.FollowedAsync();
            var phase = schedule.PhaseAt(slot, await chain.HeadAsync());
            if (phase == SlotPhase.Proposal && !quoted)
            {
                quoted = true;
                var answer = await RetryAsync(async () => await slotGrain.QuoteAsync(await SlotPipelineTests.SignedAsync(
                    new ProverQuote(slot, prover.Address, 1 * Token, chain.Deployment.MinBond, schedule.RevealStart(slot)), chain.Deployment.Rollup)));
                Assert.True(answer.Accepted, answer.Reason);
            }
            if (phase == killIn && !killed
                && (killIn != SlotPhase.Proposal || (await slotGrain.GetAsync()).ProposalTransaction is not null)
                && (killIn != SlotPhase.Proving || committed))
            {
                killed = true;
                await KillHostAsync(chain, slotGrain, $"slot {slot} in {phase}");
            }
            if (phase == SlotPhase.Commitment && !committed
                && await RetryAsync(() => slotGrain.AuthorisationForAsync(prover.Address)) is { } authorisation)
            {
                if (killIn == SlotPhase.Commitment && !killed)
                {
                    // Authorised but not committed yet: the grain reactivated elsewhere must hand out the same one.
                    killed = true;
                    await KillHostAsync(chain, slotGrain, $"slot {slot} in {phase}, after the authorisation");
                    var again = await RetryAsync(() => slotGrain.AuthorisationForAsync(prover.Address));
                    Assert.Equal(authorisation.Signature, again?.Signature);
                }
                committed = true;
                await rollup.CommitProverAsync(prover, slot, authorisation.Bond, authorisation.Signature);
            }
            if (phase == SlotPhase.Proving && killed && !proven
                && await rollup.SlotStatusAsync(slot) == FernetRollupContract.RollupSlotStatus.Revealed)
            {
                proven = true;
                var canonical = await rollup.ProposalOfAsync(slot);
                var tip = await rollup.TipAsync();
                await rollup.SubmitProofAsync(prover, slot, SlotPipelineTests.DevnetProof(slot, tip.Archive, canonical.Proposal, prover.Address));
            }
        }
        await chain.FollowedAsync();
        Assert.True(killed, $"slot {slot}: the silo was never killed in {killIn}: {await slotGrain.GetAsync()}");
        Assert.True(committed, $"slot {slot}: no authorisation for the prover: {await slotGrain.GetAsync()}");
        Assert.True(proven, $"slot {slot}: never revealed, so never proven: {await slotGrain.GetAsync()}");
    }

    private async Task KillHostAsync(ChainUnderTest chain, ISlotGrain slotGrain, string when)
    {
        var management = chain.Grains.GetGrain<IManagementGrain>(0);
        var host = await management.GetActivationAddress(slotGrain)
            ?? throw new InvalidOperationException($"{when}: the slot grain has no activation to kill");
        var silo = chain.Cluster.Silos.Single(s => s.SiloAddress.Equals(host));
        await chain.Cluster.KillSiloAsync(silo);
        output.WriteLine($"{when}: killed {host}, the slot grain's silo");
    }

    /// <summary>A fresh sequencer key: encrypted into key custody on the first silo and unlocked on the others, and in the account store.</summary>
    internal static Task<Address> ImportSequencerAsync(ChainUnderTest chain) => ImportSequencerAsync(chain, Tenant);

    internal static async Task<Address> ImportSequencerAsync(ChainUnderTest chain, string tenant)
    {
        var secret = new byte[32];
        do
        {
            RandomNumberGenerator.Fill(secret);
        }
        while (!Secp256k1.IsValidScalar(secret));
        var json = Web3Keystore.Encrypt(secret, KeystorePassword, new KeystoreKdf("pbkdf2", 1000));
        var signer = new LocalKeySigner(new PrivateKey(secret));
        CryptographicOperations.ZeroMemory(secret);
        DevAccounts.Store.Add(signer);
        await Services(chain.Cluster.Silos[0]).GetRequiredService<KeyCustody>().RegisterKeystoreAsync(tenant, json, KeystorePassword, "failover test");
        foreach (var silo in chain.Cluster.Silos.Skip(1))
        {
            await Services(silo).GetRequiredService<KeystoreBackend>().UnlockAsync(json, KeystorePassword);
        }
        return signer.Address;
    }

    internal static IServiceProvider Services(SiloHandle silo) => ((InProcessSiloHandle)silo).SiloHost.Services;

    /// <summary>One signed_duties row; <paramref name="Prover"/> is null for a proposal.</summary>
    internal sealed record SignedDutyRow(string Duty, byte[] Payload, Address? Prover);

    internal static async Task<List<SignedDutyRow>> SignedDutiesAsync(string database, Address sequencer, ulong slot)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select duty, payload, prover from signed_duties where sequencer = $1 and slot = $2", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = sequencer.ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = (long)slot });
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<SignedDutyRow>();
        while (await reader.ReadAsync())
        {
            rows.Add(new SignedDutyRow(reader.GetString(0), reader.GetFieldValue<byte[]>(1),
                reader.GetFieldValue<byte[]>(2) is { Length: 20 } prover ? new Address(prover) : null));
        }
        return rows;
    }

    internal static async Task<List<string>> AuditOutcomesAsync(string database, Address sequencer, ulong slot)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select coalesce(duty, '-') || ' ' || outcome from signing_audit where sequencer = $1 and slot = $2 order by id", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = sequencer.ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = (long)slot });
        await using var reader = await command.ExecuteReaderAsync();
        var outcomes = new List<string>();
        while (await reader.ReadAsync())
        {
            outcomes.Add(reader.GetString(0));
        }
        return outcomes;
    }

    internal const string BlockProposed = "BlockProposed(uint256,address,bytes32,bytes32,bytes32,bytes32,uint256)";
    internal const string ProverCommitted = "ProverCommitted(uint256,address,address,bytes32,uint256)";

    /// <summary>Logs of <paramref name="eventSignature"/> for <paramref name="slot"/> (its first indexed topic) on the rollup, straight from anvil's eth_getLogs.</summary>
    internal static Task<int> RollupEventCountAsync(ChainUnderTest chain, string eventSignature, ulong slot) =>
        RollupEventCountAsync(chain.Anvil, chain.Deployment.Rollup, eventSignature, slot);

    /// <summary>BlockProposed logs of <paramref name="slot"/> on <paramref name="rollup"/> (for clusters of silo processes).</summary>
    internal static Task<int> BlockProposedCountAsync(Hosting.TestKit.AnvilNode anvil, Address rollup, ulong slot) =>
        RollupEventCountAsync(anvil, rollup, BlockProposed, slot);

    internal static async Task<int> RollupEventCountAsync(Hosting.TestKit.AnvilNode anvil, Address rollup, string eventSignature, ulong slot)
    {
        var topic = Keccak256.Hash(eventSignature).ToString();
        var logs = await anvil.RpcAsync("eth_getLogs", new Dictionary<string, object>
        {
            ["address"] = rollup.ToString(),
            ["fromBlock"] = "0x0",
            ["toBlock"] = "latest",
            ["topics"] = new object[] { topic, $"0x{slot:x64}" },
        });
        return logs.GetArrayLength();
    }

    /// <summary>A grain call retried while the cluster is still learning that a silo died (its activations' calls fail or time out).</summary>
    internal static async Task<T> RetryAsync<T>(Func<Task<T>> call)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (true)
        {
            try
            {
                return await call();
            }
            catch (Exception e) when ((e is OrleansException or TimeoutException) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }
    }

    /// <summary>The gate, with the silos' duty signer wrapped in <see cref="HoldingDutySigner"/>.</summary>
    public sealed class SiloWithGateHoldingAProposal : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            new SiloWithGate().Configure(siloBuilder);
            // Registered after AddL1Follower's own IDutySigner, so this one is resolved: the same routing signer, wrapped.
            siloBuilder.Services.AddSingleton<IDutySigner>(provider => new HoldingDutySigner(
                new KeyRoutingDutySigner(provider.GetRequiredService<LocalDutySigner>(), provider.GetRequiredService<IGrainFactory>())));
        }
    }

    /// <summary>
    /// Test seam, not a mock: every duty is signed by the real signer (the gate records it); the proposal of the slot
    /// named by <see cref="Hold"/> is then held, once, and never handed back, so the test can kill its silo between
    /// the gate's signature and the publisher's send.
    /// </summary>
    public sealed class HoldingDutySigner(IDutySigner inner) : IDutySigner
    {
        private static long _slot = -1;
        private static TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public static Task Held => _held.Task;

        public static void Hold(ulong slot)
        {
            _held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Interlocked.Exchange(ref _slot, (long)slot);
        }

        public async Task<Signature> SignAsync(DutyRequest request, CancellationToken cancellationToken = default)
        {
            var signature = await inner.SignAsync(request, cancellationToken);
            if (request.Duty == Hosting.Contracts.Telemetry.Duty.Proposal && Interlocked.CompareExchange(ref _slot, -1, (long)request.Slot) == (long)request.Slot)
            {
                _held.TrySetResult();
                await Task.Delay(Timeout.Infinite, CancellationToken.None);
            }
            return signature;
        }
    }

    /// <summary>The gate on the test database, as the silo host registers it; GatedDutySigner then signs every duty.</summary>
    public sealed class SiloWithGate : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder) =>
            siloBuilder.Services.AddSigningGate(siloBuilder.Configuration[PostgresCluster.ConnectionKey]!, o => o.NodeName = $"silo-{Guid.NewGuid():N}"[..13]);
    }
}
