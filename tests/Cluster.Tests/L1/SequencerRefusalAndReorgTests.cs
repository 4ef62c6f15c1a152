using System.Numerics;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Publishers;
using Hosting.Contracts.Sequencers;
using Hosting.Contracts.Tenants;
using Hosting.Grains.L1;
using Hosting.L1.Signing;
using Xunit.Abstractions;

namespace Hosting.Cluster.Tests.L1;

/// <summary>Bad requests fail with a typed error naming the value and leave nothing behind; a reorg sends a sequencer back and forward again.</summary>
[Collection(ChainCollection.Name)]
public sealed class SequencerRefusalAndReorgTests(ITestOutputHelper output)
{
    private static readonly BigInteger Stake = BigInteger.Parse("100000000000000000000");

    [Fact]
    public async Task Refusals_are_typed_name_the_value_and_leave_no_partial_state_and_a_reorged_registration_goes_back_and_forward()
    {
        await using var chain = await ChainUnderTest.StartAsync(silos: 2);
        var grains = chain.Grains;
        await grains.GetGrain<ITenantGrain>("acme").SaveAsync("Acme");
        await grains.GetGrain<ITenantGrain>("globex").SaveAsync("Globex");
        var acmePublisher = DevAccounts.Account(1);
        var globexPublisher = DevAccounts.Account(2);
        await grains.GetGrain<IPublisherGrain>(acmePublisher.ToString()).AttachAsync("acme");
        await grains.GetGrain<IPublisherGrain>(globexPublisher.ToString()).AttachAsync("globex");

        // Unknown tenant.
        var stray = DevAccounts.NewSequencer();
        var unknown = await Assert.ThrowsAsync<RequestRefusedException>(() => grains.GetGrain<ISequencerGrain>(stray.ToString()).ImportAsync("nobody"));
        Assert.Equal(RefusalReason.UnknownTenant, unknown.Reason);
        Assert.Contains("'nobody'", unknown.Message);
        Assert.Null(await grains.GetGrain<ISequencerGrain>(stray.ToString()).GetAsync());

        // A key the store does not hold.
        var keyless = new LocalKeySigner(Hosting.L1.Crypto.PrivateKey.Generate()).Address;
        var noKey = await Assert.ThrowsAsync<RequestRefusedException>(() => grains.GetGrain<ISequencerGrain>(keyless.ToString()).ImportAsync("acme"));
        Assert.Equal(RefusalReason.KeyNotInStore, noKey.Reason);
        Assert.Contains(keyless.ToString(), noKey.Message);

        // Duplicate key: the same tenant again, or another tenant.
        var sequencer = DevAccounts.NewSequencer();
        var grain = grains.GetGrain<ISequencerGrain>(sequencer.ToString());
        await grain.ImportAsync("acme");
        Assert.Equal(RefusalReason.AlreadyImported, (await Assert.ThrowsAsync<RequestRefusedException>(() => grain.ImportAsync("acme"))).Reason);
        var duplicate = await Assert.ThrowsAsync<RequestRefusedException>(() => grain.ImportAsync("globex"));
        Assert.Equal(RefusalReason.AlreadyImported, duplicate.Reason);
        Assert.DoesNotContain("acme", duplicate.Message);
        Assert.Empty((await grains.GetGrain<ITenantGrain>("globex").GetHoldingsAsync()).Sequencers);

        // Tenant isolation: globex can neither register, exit nor send through acme's sequencer or publisher.
        var foreign = await Assert.ThrowsAsync<RequestRefusedException>(() => grain.RegisterAsync("globex", new SequencerRegistration(globexPublisher, globexPublisher, Stake)));
        Assert.Equal(RefusalReason.NotThisTenants, foreign.Reason);
        Assert.Equal(RefusalReason.NotThisTenants, (await Assert.ThrowsAsync<RequestRefusedException>(() => grain.ExitAsync("globex"))).Reason);
        var foreignSend = await Assert.ThrowsAsync<RequestRefusedException>(() => grains.GetGrain<IPublisherGrain>(acmePublisher.ToString())
            .SendAsync("globex", new L1Call(chain.Deployment.Registry, RegistryAbi.FinalizeExit.EncodeCall(sequencer), "probe")));
        Assert.Equal(RefusalReason.NotThisTenants, foreignSend.Reason);

        // Stake below the minimum: the registry's custom error, decoded; nothing sent.
        var sentBefore = (await grains.GetGrain<IPublisherGrain>(acmePublisher.ToString()).CheckAsync()).Sent;
        var low = await Assert.ThrowsAsync<L1RevertException>(() => grain.RegisterAsync("acme", new SequencerRegistration(acmePublisher, acmePublisher, 1)));
        Assert.Equal("Registry__StakeBelowMinimum", low.ErrorName);
        Assert.Contains(chain.Deployment.MinStake.ToString(), low.Reason);
        Assert.Equal(sentBefore, (await grains.GetGrain<IPublisherGrain>(acmePublisher.ToString()).CheckAsync()).Sent);
        Assert.Equal(SequencerStatus.None, (await grain.GetAsync())!.Status);

        // Exit of a sequencer that is not Active.
        var notActive = await Assert.ThrowsAsync<RequestRefusedException>(() => grain.ExitAsync("acme"));
        Assert.Equal(RefusalReason.WrongStatus, notActive.Reason);
        Assert.Contains("None", notActive.Message);

        // A publisher without ether: refused with its balance, nothing sent, the sequencer untouched.
        var poor = new LocalKeySigner(Hosting.L1.Crypto.PrivateKey.Generate());
        DevAccounts.Store.Add(poor);
        var poorView = await grains.GetGrain<IPublisherGrain>(poor.Address.ToString()).AttachAsync("acme");
        Assert.True(poorView.Underfunded);
        var unfunded = await Assert.ThrowsAsync<RequestRefusedException>(() => grain.RegisterAsync("acme", new SequencerRegistration(poor.Address, acmePublisher, Stake)));
        Assert.Equal(RefusalReason.PublisherUnderfunded, unfunded.Reason);
        Assert.Contains(poor.Address.ToString(), unfunded.Message);
        Assert.Equal(0, (await grains.GetGrain<IPublisherGrain>(poor.Address.ToString()).GetAsync())!.Sent);
        Assert.Equal(SequencerStatus.None, (await grain.GetAsync())!.Status);
        Assert.Equal(0UL, await chain.Anvil.RpcAsync("eth_getTransactionCount", poor.Address.ToString(), "latest").ContinueWith(t => Convert.ToUInt64(t.Result.GetString(), 16)));

        // Reorg: register in a block that a revert then orphans. The grain goes back to Registering; the publisher
        // sends the dropped transactions again (same nonces, higher fees) and the grain queues and activates on the new branch.
        var snapshot = (await chain.Anvil.RpcAsync("evm_snapshot")).GetString()!;
        await grain.RegisterAsync("acme", new SequencerRegistration(acmePublisher, acmePublisher, Stake));
        await chain.MineAsync(2);
        await chain.FollowedAsync();
        var first = (await grain.GetAsync())!;
        Assert.Equal(SequencerStatus.Queued, first.Status);
        output.WriteLine($"queued at {first.RegisteredBlock} before the reorg");

        await chain.Anvil.RpcAsync("evm_revert", snapshot);
        await chain.MineAsync(6);
        var back = await Eventually.WaitAsync(async () => (await grain.GetAsync())!.Status == SequencerStatus.Registering, TimeSpan.FromSeconds(30));
        Assert.True(back, $"after the reorg: {await grain.GetAsync()}");
        Assert.Equal(0, (await grain.GetAsync())!.AppliedEvents);

        var again = await Eventually.WaitAsync(async () =>
        {
            await chain.MineAsync(1);
            return (await grain.GetAsync())!.Status == SequencerStatus.Queued;
        }, TimeSpan.FromSeconds(60));
        var second = (await grain.GetAsync())!;
        Assert.True(again, $"never queued again: {second}");
        Assert.NotEqual(first.RegisteredBlock, second.RegisteredBlock);
        Assert.True((await grains.GetGrain<IPublisherGrain>(acmePublisher.ToString()).GetAsync())!.Bumped >= 1);
        await chain.MineAsync((int)(second.ActivationBlock!.Value - await chain.HeadAsync()) + 1);
        await chain.FollowedAsync();
        var active = (await grain.GetAsync())!;
        Assert.Equal(SequencerStatus.Active, active.Status);
        Assert.Equal(second.RegisteredBlock + 20, active.ActivatedBlock);
        var follower = await grains.GetGrain<Hosting.Contracts.L1.IL1FollowerGrain>(Hosting.Contracts.L1.IL1FollowerGrain.Key).GetAsync();
        Assert.True(follower.Reorgs >= 1);
        Assert.True(follower.EventsRemoved >= 1);
        output.WriteLine($"requeued at {second.RegisteredBlock}, active at {active.ActivatedBlock}; follower {follower}");
    }
}
