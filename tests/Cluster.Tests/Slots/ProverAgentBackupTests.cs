using Hosting.Cluster.Tests.L1;
using Hosting.Contracts.Slots;
using Hosting.L1.Contracts;
using Hosting.L1.Rpc;
using Hosting.TestKit;
using Xunit.Abstractions;
using SlotStatus = Hosting.L1.Contracts.FernetRollupContract.RollupSlotStatus;

namespace Hosting.Cluster.Tests.Slots;

/// <summary>
/// Backup-mode agents (src/Prover processes) on slots the platform does not host (no sequencer is registered, so
/// nobody proposes and backup opens at Commitment): one with --backup-other-slots false and one whose platform does
/// not answer both leave the slot alone and say why, as does one whose prover agent token the platform does not
/// accept (403); an agent with the default submits and is finalised. The tenant
/// policy side is in <see cref="ProverAgentTests"/> (steps 5 and 5b).
/// </summary>
[Collection(SlotChainCollection.Name)]
public sealed class ProverAgentBackupTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task On_a_slot_nobody_hosted_the_agent_follows_its_other_slots_setting_and_never_submits_without_an_answer()
    {
        await using var chain = await ChainUnderTest.StartAsync(silos: 1);
        await using var web = await PlatformWeb.StartAsync(chain.Grains);
        var schedule = chain.Deployment.Schedule!;
        var rollup = new FernetRollupContract(new EthereumClient(new JsonRpcClient(new RpcOptions { Endpoints = [chain.Anvil.RpcUrl] })), chain.Deployment.Rollup);
        var agents = new List<ProverProcess>();
        try
        {
            var slot = (schedule.SlotAt(await chain.HeadAsync()) ?? 0) + 2;
            await chain.MineToAsync(schedule.StartOf(slot) - 4);
            var ownOnly = await StartAsync(agents, chain, "own-only", 2, web.Address.ToString(), ["--backup-other-slots", "false"]);
            var deaf = await StartAsync(agents, chain, "deaf", 3, $"http://127.0.0.1:{FreePort.Next()}");
            // Same key as "deaf" (neither sends anything), but a token the platform never issued.
            var impostor = await StartAsync(agents, chain, "impostor", 3, web.Address.ToString(), agentToken: "not-a-prover-agent-token-of-this-platform");
            Assert.True(await chain.HeadAsync() < schedule.StartOf(slot), "starting the agents moved the chain into the slot");

            // An agent joins a slot it sees in Proposal; nobody proposes, so backup opens with Commitment.
            await chain.MineToAsync(schedule.StartOf(slot));
            await Task.Delay(TimeSpan.FromSeconds(1));
            await chain.MineToAsync(schedule.CommitmentStart(slot));
            Assert.True(await rollup.CallAsync<bool>("isBackupOpen", new System.Numerics.BigInteger(slot)));
            Assert.True(await ownOnly.WaitForAsync($"slot {slot}: backup open; not submitting: no sequencer the platform hosts won slot {slot}, and --backup-other-slots is false", Patience),
                string.Join("\n", ownOnly.Lines));
            Assert.True(await deaf.WaitForAsync($"slot {slot}: backup open; not submitting: could not ask the platform", Patience), string.Join("\n", deaf.Lines));
            Assert.True(await impostor.WaitForAsync($"slot {slot}: backup open; not submitting: could not ask the platform", Patience), string.Join("\n", impostor.Lines));
            Assert.True(impostor.Printed("the platform answered 403"), string.Join("\n", impostor.Lines));
            Assert.DoesNotContain(impostor.Lines, l => l.Contains("not-a-prover-agent-token", StringComparison.Ordinal));
            Assert.Equal(SlotOutcome.NotOurs, (await chain.Grains.GetGrain<ISlotGrain>(SlotKeys.Slot(slot)).GetAsync()).Outcome);

            // Joins the next slot only (this one is past Proposal).
            var others = await StartAsync(agents, chain, "others", 0, web.Address.ToString());
            await chain.MineToAsync(schedule.EndOf(slot) - 1);
            await Task.Delay(TimeSpan.FromSeconds(1));
            Assert.Equal(SlotStatus.None, await rollup.SlotStatusAsync(slot));
            Assert.DoesNotContain(agents, a => a.Printed("submitBackupBlock sent"));

            var next = slot + 1;
            await chain.MineToAsync(schedule.StartOf(next));
            await Task.Delay(TimeSpan.FromSeconds(1));
            await chain.MineToAsync(schedule.CommitmentStart(next));
            Assert.True(await others.WaitForAsync($"slot {next}: backup block finalised", Patience), string.Join("\n", others.Lines));
            Assert.True(others.Printed($"slot {next}: backup open; no sequencer the platform hosts won slot {next}, and --backup-other-slots is true: submitting"));
            Assert.Equal(SlotStatus.BackupFinalised, await rollup.SlotStatusAsync(next));
            Assert.False(ownOnly.Printed("submitBackupBlock sent"));
            Assert.False(deaf.Printed("submitBackupBlock sent"));
            Assert.False(impostor.Printed("submitBackupBlock sent"));
        }
        finally
        {
            await ProverAgentTests.StopAsync(agents, output);
        }
    }

    /// <summary>A backup-mode agent (never quotes) for dev account <paramref name="account"/>, once it is ready.</summary>
    private static async Task<ProverProcess> StartAsync(List<ProverProcess> agents, ChainUnderTest chain, string name, int account, string platform,
        string[]? more = null, string agentToken = PlatformWeb.AgentToken)
    {
        more ??= [];
        var agent = await ProverProcess.StartAsync(name,
            new Dictionary<string, string> { ["PROVER_DEV_KEY"] = DevAccounts.PrivateKeyHex(account), ["PROVER_AGENT_TOKEN"] = agentToken },
            ["--rpc-url", chain.Anvil.RpcUrl.ToString(), "--deployment", chain.DeploymentFile, "--platform", platform,
             "--fault", "never-quote", "--backup", "true", "--poll-ms", "100", .. more]);
        agents.Add(agent);
        Assert.True(await agent.WaitForAsync("ready", Patience), $"agent {name} did not start:\n{string.Join("\n", agent.Lines)}");
        return agent;
    }
}
