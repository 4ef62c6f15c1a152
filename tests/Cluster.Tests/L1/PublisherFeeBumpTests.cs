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
        var (account, publisher, call) = await AttachedWithoutAutomineAsync(chain);
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

    [Fact]
    public async Task A_call_whose_nonce_another_transaction_took_is_sent_after_all_when_a_reorg_removes_that_transaction()
    {
        await using var chain = await ChainUnderTest.StartAsync(silos: 2);
        var (account, publisher, call) = await AttachedWithoutAutomineAsync(chain);
        var beforeOther = (await chain.Anvil.RpcAsync("evm_snapshot")).GetString()!;

        var ours = await publisher.SendAsync("acme", call);
        var nonce = Assert.Single((await publisher.GetAsync())!.Pending).Nonce;
        // Someone else with the same key (another tool, a reorg's other branch) takes the nonce with a dearer transaction.
        await chain.Anvil.RpcAsync("anvil_impersonateAccount", account.ToString());
        await chain.Anvil.RpcAsync("eth_sendTransaction", new Dictionary<string, string>
        {
            ["from"] = account.ToString(),
            ["to"] = account.ToString(),
            ["nonce"] = $"0x{nonce:x}",
            ["maxFeePerGas"] = "0x174876e800",
            ["maxPriorityFeePerGas"] = "0x174876e800",
        });
        await chain.Anvil.RpcAsync("evm_mine");
        Assert.Equal($"0x{nonce + 1:x}", (await chain.Anvil.RpcAsync("eth_getTransactionCount", account.ToString(), "latest")).GetString());

        // Its nonce was mined, but only a block deep: the call stays pending, neither dropped nor sent again.
        await Task.Delay(TimeSpan.FromSeconds(3));
        var kept = Assert.Single((await publisher.GetAsync())!.Pending);
        Assert.Equal(nonce, kept.Nonce);

        // A reorg takes the other transaction away: the publisher sends the call, and it is mined.
        await chain.Anvil.RpcAsync("evm_revert", beforeOther);
        await chain.Anvil.RpcAsync("evm_setAutomine", true);
        Assert.True(await Eventually.WaitAsync(async () =>
        {
            var pending = (await publisher.GetAsync())!.Pending;
            return pending.Count == 1 && (await chain.Anvil.RpcAsync("eth_getTransactionReceipt", pending[0].Hash.ToString())).ValueKind == System.Text.Json.JsonValueKind.Object;
        }, TimeSpan.FromSeconds(20)), $"the call was not sent again: {string.Join("; ", (await publisher.GetAsync())!.Pending)} (first sent as {ours})");
        var mined = (await publisher.GetAsync())!.Pending.Single().Hash;
        var receipt = await chain.Anvil.RpcAsync("eth_getTransactionReceipt", mined.ToString());
        Assert.Equal("0x1", receipt.GetProperty("status").GetString());
        Assert.Equal($"0x{nonce + 1:x}", (await chain.Anvil.RpcAsync("eth_getTransactionCount", account.ToString(), "latest")).GetString());
    }

    /// <summary>Tenant acme's publisher (dev account 1) attached, automine off, and a harmless call for it to send.</summary>
    private static async Task<(Address Account, IPublisherGrain Publisher, L1Call Call)> AttachedWithoutAutomineAsync(ChainUnderTest chain)
    {
        await chain.Grains.GetGrain<ITenantGrain>("acme").SaveAsync("Acme");
        var account = DevAccounts.Account(1);
        var publisher = chain.Grains.GetGrain<IPublisherGrain>(account.ToString());
        await publisher.AttachAsync("acme");
        await chain.Anvil.RpcAsync("evm_setAutomine", false);
        return (account, publisher, new L1Call(chain.Deployment.Token, RegistryAbi.Approve.EncodeCall(chain.Deployment.Registry, System.Numerics.BigInteger.One), "approve probe"));
    }
}
