using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hosting.Contracts.Domain;
using Hosting.L1.Contracts;
using Hosting.L1.Rpc;
using Hosting.L1.Signing;
using Hosting.L1.Tests.Peers;
using Hosting.TestKit;

namespace Hosting.L1.Tests;

/// <summary>The infra/l1 bindings: embedded ABIs equal forge's, and the registry and token work on anvil through them.</summary>
public sealed class BindingTests(ForgeBuild forge) : IClassFixture<ForgeBuild>
{
    [Theory]
    [InlineData(StakingTokenContract.ContractName)]
    [InlineData(SequencerRegistryContract.ContractName)]
    [InlineData(FernetRollupContract.ContractName)]
    public void Embedded_abi_equals_what_forge_builds_from_infra_l1(string contract)
    {
        if (contract == FernetRollupContract.ContractName && !forge.Has(contract))
        {
            // The rollup's ABI is a snapshot of the contracts branch until FernetRollup.sol reaches this tree.
            return;
        }
        var built = JsonNode.Parse(forge.Artifact(contract).GetProperty("abi").GetRawText());
        var embedded = JsonNode.Parse(EmbeddedAbi.Json(contract));
        Assert.True(JsonNode.DeepEquals(built, embedded), $"src/L1/Contracts/Abi/{contract}.json is stale: run src/L1/Contracts/refresh-abis.sh");
    }

    [Fact]
    public void Every_contract_forge_builds_that_we_bind_is_embedded()
    {
        Assert.Contains(StakingTokenContract.ContractName, EmbeddedAbi.Names);
        Assert.Contains(SequencerRegistryContract.ContractName, EmbeddedAbi.Names);
        if (forge.Has("FernetRollup"))
        {
            Assert.Contains("FernetRollup", EmbeddedAbi.Names);
        }
    }

    [Fact]
    public async Task Rollup_events_and_custom_errors_decode_from_its_abi()
    {
        var generated = new Generated(5002);
        var rollup = new FernetRollupContract(new EthereumClient(new JsonRpcClient(RpcOptions.For(new Uri("http://127.0.0.1:1")))), generated.Address());
        var proposed = new FernetRollupContract.BlockProposed(7, generated.Address(), generated.Hash(), generated.Hash(), generated.Hash(), Hash32.Zero, 12345);
        var (topics, data) = rollup.Abi.Event("BlockProposed").Encode(proposed.Slot, proposed.Sequencer, proposed.BlockHash, proposed.Archive, proposed.TxsEffectsHash, proposed.UpgradeSignal, proposed.Score);
        Assert.Equal(4, topics.Count);
        Assert.Equal(proposed, rollup.DecodeEvent(new Log(rollup.Address, topics, data, 1, null, null, 0, false)));
        Assert.Null(rollup.DecodeEvent(new Log(generated.Address(), topics, data, 1, null, null, 0, false)));

        var revert = Hex.Decode(await Cast.RunAsync("calldata", "Rollup__ScoreTooLow(uint256,uint256)", "5", "9"));
        var reason = Assert.IsType<Abi.RevertReason.CustomError>(rollup.Abi.DecodeRevert(revert));
        Assert.Equal("Rollup__ScoreTooLow(score=5, best=9)", reason.ToString());
        var phase = Hex.Decode(await Cast.RunAsync("calldata", "Rollup__NotProposalPhase(uint256,uint8)", "3", "2"));
        Assert.Equal([new BigInteger(3), new BigInteger(2)], Assert.IsType<Abi.RevertReason.CustomError>(rollup.Abi.DecodeRevert(phase)).Values);
    }

    [Fact]
    public async Task Registry_and_token_deploy_register_and_report_events_and_custom_errors()
    {
        await using var anvil = await AnvilNode.StartAsync();
        using var rpc = new JsonRpcClient(RpcOptions.For(anvil.RpcUrl));
        var client = new EthereumClient(rpc);
        using var owner = LocalKeySigner.FromHex(AnvilFixture.DevKey0);
        var sequencer = new Generated(5001).Address();
        var minimum = BigInteger.Parse("100000000000000000000", System.Globalization.CultureInfo.InvariantCulture);

        var tokenAddress = await ContractClient.DeployAsync(client, owner, EmbeddedAbi.Load(StakingTokenContract.ContractName), forge.Bytecode("StakingToken"),
            ["Stake", "STK", true, owner.Address, minimum * 10]);
        var token = new StakingTokenContract(client, tokenAddress);
        var config = new SequencerRegistryContract.RegistryConfig(minimum, 2, 5, 5000);
        var registryAddress = await ContractClient.DeployAsync(client, owner, EmbeddedAbi.Load(SequencerRegistryContract.ContractName), forge.Bytecode("SequencerRegistry"),
            [tokenAddress, config.ToAbi()]);
        var registry = new SequencerRegistryContract(client, registryAddress);

        Assert.Equal("STK", await token.SymbolAsync());
        Assert.Equal(config, await registry.ConfigAsync());
        Assert.Equal(tokenAddress, await registry.StakingTokenAsync());
        Assert.Equal(SequencerStatus.None, await registry.StatusOfAsync(sequencer));

        var tooLittle = await Assert.ThrowsAsync<ContractRevertedException>(() => registry.RegisterAsync(owner, sequencer, owner.Address, minimum - 1));
        Assert.Equal("Registry__StakeBelowMinimum", tooLittle.ErrorName);
        Assert.Equal([minimum - 1, minimum], ((Abi.RevertReason.CustomError)tooLittle.Reason).Values);

        await client.WaitForReceiptAsync(await token.ApproveAsync(owner, registryAddress, minimum), TimeSpan.FromSeconds(10));
        var registered = await client.WaitForReceiptAsync(await registry.RegisterAsync(owner, sequencer, owner.Address, minimum), TimeSpan.FromSeconds(10));
        Assert.True(registered.Succeeded);

        var events = registered.Logs.Select(log => registry.DecodeEvent(log) ?? token.DecodeEvent(log)).ToList();
        Assert.Contains(new StakingTokenContract.Transfer(owner.Address, registryAddress, minimum), events);
        var announcement = Assert.Single(events.OfType<SequencerRegistryContract.SequencerRegistered>());
        Assert.Equal(new SequencerRegistryContract.SequencerRegistered(sequencer, owner.Address, minimum, registered.BlockNumber + 2), announcement);
        var fromLogs = await registry.GetEventsAsync("SequencerRegistered", BlockTag.Number(0), BlockTag.Latest);
        Assert.Equal(announcement, Assert.Single(fromLogs).ToRecord<SequencerRegistryContract.SequencerRegistered>());

        Assert.Equal(SequencerStatus.Queued, await registry.StatusOfAsync(sequencer));
        var info = await registry.SequencerOfAsync(sequencer);
        Assert.Equal(owner.Address, info.Withdrawer);
        Assert.Equal(minimum, info.OwnStake);
        Assert.Equal(minimum * 9, await token.BalanceOfAsync(owner.Address));

        var again = await Assert.ThrowsAsync<ContractRevertedException>(() => registry.RegisterAsync(owner, sequencer, owner.Address, minimum));
        Assert.Equal("Registry__AlreadyRegistered", again.ErrorName);
        Assert.Contains(sequencer.ToString(), again.Message, StringComparison.Ordinal);
    }
}
