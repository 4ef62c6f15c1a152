using System.Diagnostics;
using System.Numerics;
using Hosting.Cluster.Tests.L1;
using Hosting.Cluster.Tests.Postgres;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Publishers;
using Hosting.Contracts.Sequencers;
using Hosting.Contracts.Slots;
using Hosting.Contracts.Tenants;
using Hosting.Grains.Slots;
using Hosting.L1.Contracts;
using Hosting.L1.Crypto;
using Hosting.L1.Rpc;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Hosting.Signing;
using Npgsql;
using Orleans.TestingHost;
using Xunit.Abstractions;
using SlotStatus = Hosting.L1.Contracts.FernetRollupContract.RollupSlotStatus;

namespace Hosting.Cluster.Tests.Slots;

/// <summary>
/// The proof-boost fallback behind the signing-safety gate: two PostgreSQL silos with the gate wired
/// (GatedDutySigner, the sequencer's key in key custody), the portal's routes on real HTTP, a real anvil mined on
/// demand and two prover agent processes. The cheaper prover quotes and never commits; after the grace the slot
/// authorises the next quote through the gate, and that prover commits and proves.
/// </summary>
[Collection(SlotChainCollection.Name)]
public sealed class GatedFallbackTests(ITestOutputHelper output)
{
    private const string Tenant = "gated";
    private static readonly BigInteger Token = BigInteger.Pow(10, 18);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_prover_that_never_commits_is_replaced_through_the_gate_and_the_slot_finalises()
    {
        var clock = Stopwatch.StartNew();
        await using var chain = await ChainUnderTest.StartAsync(silos: 2, configure: b => b.AddSiloBuilderConfigurator<SlotFailoverTests.SiloWithGate>());
        await using var web = await PlatformWeb.StartAsync(chain.Grains);
        var rollup = new FernetRollupContract(new EthereumClient(new JsonRpcClient(new RpcOptions { Endpoints = [chain.Anvil.RpcUrl] })), chain.Deployment.Rollup);
        var (a, b) = (DevAccounts.Account(2), DevAccounts.Account(3));
        var (sequencer, slot, database) = await SetUpAsync(chain, clock);

        await RunWithAgentsAsync(chain, web, slot, committed: true);

        var slotGrain = chain.Grains.GetGrain<ISlotGrain>(SlotKeys.Slot(slot));
        var view = await slotGrain.GetAsync();
        output.WriteLine($"slot {slot}: outcome {view.Outcome}, committed prover {view.CommittedProver}, last error {view.LastError ?? "none"}");
        Assert.Equal(SlotOutcome.Finalised, view.Outcome);
        Assert.Equal(b, view.CommittedProver);
        Assert.Equal(SlotStatus.Finalised, await rollup.SlotStatusAsync(slot));
        Assert.Equal(1, await SlotFailoverTests.RollupEventCountAsync(chain, SlotFailoverTests.ProverCommitted, slot));
        Assert.Equal(1, (await chain.Grains.GetGrain<IProverRecordGrain>(a.ToString()).GetAsync()).Lapsed);

        // The gate holds one proposal and one authorisation per prover, each exactly what the rollup would check.
        var onL1 = await rollup.ProposalOfAsync(slot);
        var rows = await SlotFailoverTests.SignedDutiesAsync(database, sequencer, slot);
        Assert.Single(rows, r => r.Duty == "proposal");
        Assert.Equal(await rollup.ProposalDigestAsync(slot, onL1.Proposal), Keccak256.Hash(rows.Single(r => r.Duty == "proposal").Payload));
        var authorisations = rows.Where(r => r.Duty == "commitment_authorisation").ToList();
        Assert.Equal(2, authorisations.Count);
        Assert.Equal(new HashSet<Address> { a, b }, authorisations.Select(r => r.Prover!.Value).ToHashSet());
        foreach (var prover in new[] { a, b })
        {
            var handedOut = await slotGrain.AuthorisationForAsync(prover);
            Assert.NotNull(handedOut);
            Assert.Equal(await rollup.CommitmentDigestAsync(slot, onL1.Proposal.BlockHash, prover, handedOut.Bond),
                Keccak256.Hash(authorisations.Single(r => r.Prover == prover).Payload));
            Assert.Equal(sequencer, Secp256k1.Default.RecoverAddress(Keccak256.Hash(authorisations.Single(r => r.Prover == prover).Payload), handedOut.Signature));
        }

        // Every request for the slot was granted (three records) or answered with a stored signature; none refused.
        var audit = await SlotFailoverTests.AuditOutcomesAsync(database, sequencer, slot);
        output.WriteLine($"slot {slot}: gate audit {string.Join(", ", audit)}; done after {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.Equal(2, audit.Count(o => o == "commitment_authorisation granted"));
        Assert.Equal(1, audit.Count(o => o == "proposal granted"));
        Assert.All(audit, o => Assert.True(o.EndsWith(" granted", StringComparison.Ordinal) || o.EndsWith(" repeated", StringComparison.Ordinal), o));
    }

    [Fact]
    public async Task With_a_bound_of_one_prover_per_slot_the_gate_refuses_the_fallback_and_the_slot_goes_to_backup()
    {
        var clock = Stopwatch.StartNew();
        await using var chain = await ChainUnderTest.StartAsync(silos: 2, configure: b => b.AddSiloBuilderConfigurator<SiloWithOneProverPerSlot>());
        await using var web = await PlatformWeb.StartAsync(chain.Grains);
        var rollup = new FernetRollupContract(new EthereumClient(new JsonRpcClient(new RpcOptions { Endpoints = [chain.Anvil.RpcUrl] })), chain.Deployment.Rollup);
        var a = DevAccounts.Account(2);
        var (sequencer, slot, database) = await SetUpAsync(chain, clock);

        await RunWithAgentsAsync(chain, web, slot, committed: false);

        var view = await chain.Grains.GetGrain<ISlotGrain>(SlotKeys.Slot(slot)).GetAsync();
        output.WriteLine($"slot {slot}: outcome {view.Outcome}, last error {view.LastError ?? "none"}");
        Assert.Equal(SlotOutcome.Backup, view.Outcome);
        Assert.Null(view.CommittedProver);
        Assert.Equal(0, await SlotFailoverTests.RollupEventCountAsync(chain, SlotFailoverTests.ProverCommitted, slot));
        Assert.NotEqual(SlotStatus.Finalised, await rollup.SlotStatusAsync(slot));
        // Only the chosen prover's authorisation exists; the fallback was refused by the gate for the bound, and audited so.
        var rows = await SlotFailoverTests.SignedDutiesAsync(database, sequencer, slot);
        Assert.Equal(a, Assert.Single(rows, r => r.Duty == "commitment_authorisation").Prover);
        var audit = await SlotFailoverTests.AuditOutcomesAsync(database, sequencer, slot);
        output.WriteLine($"slot {slot}: gate audit {string.Join(", ", audit)}; done after {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.Contains("commitment_authorisation refused", audit);
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var reasons = new NpgsqlCommand("select distinct reason from signing_audit where slot = $1 and outcome = 'refused'", connection);
        reasons.Parameters.Add(new NpgsqlParameter { Value = (long)slot });
        Assert.Equal("prover_limit_reached", await reasons.ExecuteScalarAsync());
    }

    [Fact]
    public async Task With_the_tenants_policy_bound_of_one_prover_per_slot_the_gate_refuses_the_fallback_naming_the_tenants_bound()
    {
        var clock = Stopwatch.StartNew();
        // The platform allows 4 (the default); the tenant's prover policy allows 1.
        await using var chain = await ChainUnderTest.StartAsync(silos: 2, configure: b => b.AddSiloBuilderConfigurator<SlotFailoverTests.SiloWithGate>());
        await using var web = await PlatformWeb.StartAsync(chain.Grains);
        var a = DevAccounts.Account(2);
        var (sequencer, slot, database) = await SetUpAsync(chain, clock);
        await chain.Grains.GetGrain<IProverPolicyGrain>(Tenant).SetAsync(ProverPolicy.Default with { MaxAuthorisationsPerSlot = 1 });

        await RunWithAgentsAsync(chain, web, slot, committed: false);

        var view = await chain.Grains.GetGrain<ISlotGrain>(SlotKeys.Slot(slot)).GetAsync();
        output.WriteLine($"slot {slot}: outcome {view.Outcome}, last error {view.LastError ?? "none"}");
        Assert.Null(view.CommittedProver);
        var rows = await SlotFailoverTests.SignedDutiesAsync(database, sequencer, slot);
        Assert.Equal(a, Assert.Single(rows, r => r.Duty == "commitment_authorisation").Prover);
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var refusals = new NpgsqlCommand("select reason, detail, repeats from signing_audit where slot = $1 and outcome = 'refused'", connection);
        refusals.Parameters.Add(new NpgsqlParameter { Value = (long)slot });
        await using var reader = await refusals.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), "the gate audited no refusal for the fallback");
        Assert.Equal("prover_limit_reached", reader.GetString(0));
        Assert.Contains($"is 1 (tenant {Tenant}'s prover policy; the platform's ceiling is 4)", reader.GetString(1), StringComparison.Ordinal);
        output.WriteLine($"slot {slot}: the refusal was asked {reader.GetInt32(2)} time(s); done after {clock.Elapsed.TotalSeconds:0.0} s");
        // One line however often the pipeline asked again.
        Assert.False(await reader.ReadAsync(), "a repeated refusal wrote a second audit line");
    }

    /// <summary>
    /// The one sequencer on L1, hosted, its key in key custody, registered and active: every slot is ours and signs
    /// through the gate. Returns it, the first slot it is forecast for (the chain stops just before it) and the database.
    /// </summary>
    private async Task<(Address Sequencer, ulong Slot, string Database)> SetUpAsync(ChainUnderTest chain, Stopwatch clock)
    {
        var deployment = chain.Deployment;
        var schedule = deployment.Schedule!;
        var token = new StakingTokenContract(new EthereumClient(new JsonRpcClient(new RpcOptions { Endpoints = [chain.Anvil.RpcUrl] })), deployment.Token);
        var publisher = DevAccounts.Account(1);
        var database = SlotFailoverTests.Services(chain.Cluster.Silos[0]).GetRequiredService<IConfiguration>()[PostgresCluster.ConnectionKey]!;
        var sequencer = await SlotFailoverTests.ImportSequencerAsync(chain, Tenant);
        Assert.IsType<KeyRoutingDutySigner>(SlotFailoverTests.Services(chain.Cluster.Silos[1]).GetRequiredService<IDutySigner>());
        await chain.Grains.GetGrain<ITenantGrain>(Tenant).SaveAsync(Tenant);
        await chain.Grains.GetGrain<IPublisherGrain>(publisher.ToString()).AttachAsync(Tenant);
        var grain = chain.Grains.GetGrain<ISequencerGrain>(sequencer.ToString());
        await grain.ImportAsync(Tenant);
        await grain.RegisterAsync(Tenant, new SequencerRegistration(publisher, publisher, 100 * Token));
        foreach (var prover in new[] { DevAccounts.Account(2), DevAccounts.Account(3) })
        {
            await token.ApproveAsync(DevAccounts.Store.Find(prover)!, deployment.Rollup, 1_000 * deployment.MinBond);
        }
        await chain.MineAsync((int)deployment.EntryPeriodBlocks + 1);
        var slot = schedule.SlotAt(await chain.HeadAsync())!.Value + schedule.Lag + 1;
        await chain.MineToAsync(schedule.ProposalDue(slot) - 1);
        output.WriteLine($"set up after {clock.Elapsed.TotalSeconds:0.0} s; slot {slot}");
        return (sequencer, slot, database);
    }

    /// <summary>Agent A (fee 1) quotes and never commits, agent B (fee 2) is the next quote; runs the slot to its end.</summary>
    private async Task RunWithAgentsAsync(ChainUnderTest chain, PlatformWeb web, ulong slot, bool committed)
    {
        var agents = new List<ProverProcess>();
        try
        {
            agents.Add(await ProverProcess.StartAgentAsync("A", 2, chain, web, "1", "quote-never-commit", Patience));
            agents.Add(await ProverProcess.StartAgentAsync("B", 3, chain, web, "2", "none", Patience));
            Assert.True(await chain.HeadAsync() < chain.Deployment.Schedule!.ProposalDue(slot), "starting the agents moved the chain into the slot");
            await ProverAgentTests.RunSlotAsync(output, chain, slot, quotes: 2, committed: committed, proven: committed, slashed: null);
            Assert.Equal(committed, agents[1].Printed($"slot {slot}: authorised"));
        }
        finally
        {
            await ProverAgentTests.StopAsync(agents, output);
        }
    }

    /// <summary>The gate as <see cref="SlotFailoverTests.SiloWithGate"/> wires it, allowing one prover per slot: no fallback.</summary>
    public sealed class SiloWithOneProverPerSlot : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder) =>
            siloBuilder.Services.AddSigningGate(siloBuilder.Configuration[PostgresCluster.ConnectionKey]!, o =>
            {
                o.NodeName = $"silo-{Guid.NewGuid():N}"[..13];
                o.MaxCommitmentAuthorisationsPerSlot = 1;
            });
    }
}
