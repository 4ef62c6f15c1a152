using Hosting.Contracts.Domain;
using Hosting.Contracts.Publishers;
using Hosting.Contracts.Tenants;
using Hosting.Grains.L1;

namespace Hosting.Cluster.Tests.L1;

/// <summary>A transaction the chain does not take is replaced at the same nonce with fees raised by at least 12.5 %.</summary>
[Collection(ChainCollection.Name)]
public sealed class PublisherFeeBumpTests
{
    [Fact]
    public async Task A_stuck_transaction_is_replaced_at_its_nonce_with_higher_fees_and_the_replacement_is_mined()
    {
        await using var chain = await ChainUnderTest.StartAsync(silos: 2);
        await chain.Grains.GetGrain<ITenantGrain>("acme").SaveAsync("Acme");
        var account = DevAccounts.Account(1);
        var publisher = chain.Grains.GetGrain<IPublisherGrain>(account.ToString());
        await publisher.AttachAsync("acme");
        await chain.Anvil.RpcAsync("evm_setAutomine", false);

        var call = new L1Call(chain.Deployment.Token, RegistryAbi.Approve.EncodeCall(chain.Deployment.Registry, System.Numerics.BigInteger.One), "approve probe");
        var first = await publisher.SendAsync("acme", call);
        var sent = Assert.Single((await publisher.GetAsync())!.Pending);
        Assert.Equal(first, sent.Hash);

        var bumped = await Eventually.WaitAsync(async () => (await publisher.GetAsync())!.Pending.Single().Bumps >= 1, TimeSpan.FromSeconds(20));
        var replacement = (await publisher.GetAsync())!.Pending.Single();
        Assert.True(bumped, $"never bumped: {replacement}");
        Assert.Equal(sent.Nonce, replacement.Nonce);
        Assert.NotEqual(first, replacement.Hash);
        Assert.True(replacement.MaxFeePerGas * 8 >= sent.MaxFeePerGas * 9, $"max fee {sent.MaxFeePerGas} → {replacement.MaxFeePerGas} is less than +12.5 %");
        Assert.True(replacement.MaxPriorityFeePerGas * 8 >= sent.MaxPriorityFeePerGas * 9, $"tip {sent.MaxPriorityFeePerGas} → {replacement.MaxPriorityFeePerGas} is less than +12.5 %");

        await chain.Anvil.RpcAsync("evm_setAutomine", true);
        await chain.MineAsync(1);
        var mined = (await publisher.GetAsync())!.Pending.Single().Hash;
        var receipt = await chain.Anvil.RpcAsync("eth_getTransactionReceipt", mined.ToString());
        Assert.Equal(System.Text.Json.JsonValueKind.Object, receipt.ValueKind);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, (await chain.Anvil.RpcAsync("eth_getTransactionReceipt", first.ToString())).ValueKind);
        Assert.Equal("0x1", (await chain.Anvil.RpcAsync("eth_getTransactionCount", account.ToString(), "latest")).GetString());
    }
}
