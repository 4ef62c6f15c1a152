using System.Diagnostics;
using System.Numerics;
using Hosting.Contracts.Delegators;
using Hosting.Contracts.Domain;
using Hosting.Contracts.L1;
using Hosting.Contracts.Publishers;
using Hosting.Contracts.Sequencers;
using Hosting.Contracts.Tenants;
using Xunit.Abstractions;

namespace Hosting.Cluster.Tests.L1;

/// <summary>
/// Sequencers of three tenants on two silos over PostgreSQL, following a real anvil with infra/l1 deployed:
/// every status change comes from an L1 fact, at the block the protocol says.
/// </summary>
[Collection(ChainCollection.Name)]
public sealed class SequencerLifecycleTests(ITestOutputHelper output)
{
    private const int EntryPeriod = 20;
    private const int ExitDelay = 30;
    private static readonly BigInteger Stake = BigInteger.Parse("100000000000000000000");
    private static readonly string[] Tenants = ["acme", "globex", "initech"];

    [Fact]
    public async Task Fifty_sequencers_of_three_tenants_queue_activate_at_the_exact_block_and_exit_with_their_stake_returned()
    {
        var clock = Stopwatch.StartNew();
        await using var chain = await ChainUnderTest.StartAsync(silos: 2);
        Assert.Equal((ulong)EntryPeriod, chain.Deployment.EntryPeriodBlocks);
        Assert.Equal((ulong)ExitDelay, chain.Deployment.ExitDelayBlocks);
        var publishers = await CreateTenantsAsync(chain);
        output.WriteLine($"cluster and chain up after {clock.Elapsed.TotalSeconds:0.0} s");

        // 50 sequencers, round-robin over the tenants; each tenant's publisher (its withdrawer too) sends for it.
        var sequencers = Enumerable.Range(0, 50).Select(i => (Tenant: Tenants[i % 3], Address: DevAccounts.NewSequencer())).ToList();
        await Task.WhenAll(Tenants.Select(async tenant =>
        {
            foreach (var (_, address) in sequencers.Where(s => s.Tenant == tenant))
            {
                var grain = chain.Grains.GetGrain<ISequencerGrain>(address.ToString());
                await grain.ImportAsync(tenant);
                var sent = await grain.RegisterAsync(tenant, new SequencerRegistration(publishers[tenant], publishers[tenant], Stake));
                Assert.Equal(SequencerStatus.Registering, sent.Status);
            }
        }));
        output.WriteLine($"50 registrations sent after {clock.Elapsed.TotalSeconds:0.0} s");

        // Registering 50 takes more blocks than ENTRY_PERIOD (automine: approve and register are a block each),
        // so at any head the early ones are Active and the late ones still Queued; the split must be exact.
        await chain.FollowedAsync();
        // A late transaction may still mine a block while the views are read: judge them at the block the
        // follower stood on before and after reading them, and read again if it moved meanwhile.
        var (head, views) = await StableViewsAsync(chain, sequencers.Select(s => s.Address).ToList());
        Assert.All(views, v =>
        {
            Assert.Equal(Stake, v.Stake);
            Assert.Equal(v.RegisteredBlock + EntryPeriod, v.ActivationBlock);
            AssertStatusAt(head, v);
        });
        Assert.Contains(views, v => v.Status == SequencerStatus.Queued);
        Assert.All(sequencers, s => Assert.Equal(s.Tenant, views.Single(v => v.Sequencer == s.Address).Tenant));

        // One block before the last activation block, the last registered are still Queued; one more block, and they are Active.
        var lastActivation = views.Max(v => v.ActivationBlock!.Value);
        await chain.MineAsync((int)(lastActivation - 1 - await chain.HeadAsync()));
        await chain.FollowedAsync();
        var (almostAt, almost) = await StableViewsAsync(chain, sequencers.Select(s => s.Address).ToList());
        Assert.Equal(lastActivation - 1, almostAt);
        Assert.All(almost, v => AssertStatusAt(almostAt, v));
        Assert.Contains(almost, v => v.Status == SequencerStatus.Queued);
        Assert.Equal(1, await chain.RegistryStatusAsync(almost.First(v => v.Status == SequencerStatus.Queued).Sequencer));

        await chain.MineAsync(1);
        await chain.FollowedAsync();
        var active = await ViewsAsync(chain, sequencers.Select(s => s.Address));
        Assert.All(active, v =>
        {
            Assert.Equal(SequencerStatus.Active, v.Status);
            Assert.Equal(v.ActivationBlock, v.ActivatedBlock);
        });
        Assert.Equal(2, await chain.RegistryStatusAsync(sequencers[0].Address));
        output.WriteLine($"all 50 Active at their exact blocks after {clock.Elapsed.TotalSeconds:0.0} s");

        // Each tenant's holdings list its own sequencers and publisher, nobody else's.
        foreach (var tenant in Tenants)
        {
            var holdings = await chain.Grains.GetGrain<ITenantGrain>(tenant).GetHoldingsAsync();
            Assert.Equal(sequencers.Where(s => s.Tenant == tenant).Select(s => s.Address.ToString()).Order(), holdings.Sequencers.Select(a => a.ToString()).Order());
            Assert.Equal([publishers[tenant]], holdings.Publishers);
        }

        // Ten exits (4, 3 and 3 per tenant): Exiting at once, Exited only once EXIT_DELAY blocks have passed, stake back to
        // the withdrawer.
        var leaving = Tenants.SelectMany((t, i) => sequencers.Where(s => s.Tenant == t).Take(i == 0 ? 4 : 3)).ToList();
        Assert.Equal(10, leaving.Count);
        var before = new Dictionary<string, BigInteger>();
        foreach (var tenant in Tenants)
        {
            before[tenant] = await chain.TokenBalanceAsync(publishers[tenant]);
        }
        foreach (var (tenant, address) in leaving)
        {
            await chain.Grains.GetGrain<ISequencerGrain>(address.ToString()).ExitAsync(tenant);
        }
        await chain.FollowedAsync();
        var exiting = await ViewsAsync(chain, leaving.Select(s => s.Address));
        Assert.All(exiting, v =>
        {
            Assert.Equal(SequencerStatus.Exiting, v.Status);
            Assert.Equal(v.ExitInitiatedBlock + ExitDelay, v.ExitUnlockBlock);
        });
        var firstUnlock = exiting.Min(v => v.ExitUnlockBlock!.Value);
        // The 50 sequencers are active, so the platform also proposes in the slots it wins. Under automine each of its
        // transactions is a block of its own: one sent while anvil mines the stretch below would carry the chain past
        // the block this check is about. Automine stays off until the check is made.
        await chain.Anvil.RpcAsync("evm_setAutomine", false);
        await chain.MineAsync((int)(firstUnlock - 1 - await chain.HeadAsync()));
        await chain.FollowedAsync();
        Assert.Equal(firstUnlock - 1, await chain.HeadAsync());
        Assert.All(await ViewsAsync(chain, leaving.Select(s => s.Address)), v => Assert.Equal(SequencerStatus.Exiting, v.Status));
        Assert.Equal(3, await chain.RegistryStatusAsync(leaving[0].Address));
        await chain.Anvil.RpcAsync("evm_setAutomine", true);

        var lastUnlock = exiting.Max(v => v.ExitUnlockBlock!.Value);
        await chain.MineAsync((int)(lastUnlock - await chain.HeadAsync()) + 1);
        var exited = await Eventually.WaitAsync(async () => (await ViewsAsync(chain, leaving.Select(s => s.Address))).All(v => v.Status == SequencerStatus.Exited), TimeSpan.FromSeconds(60));
        Assert.True(exited, string.Join("\n", await ViewsAsync(chain, leaving.Select(s => s.Address))));
        foreach (var v in await ViewsAsync(chain, leaving.Select(s => s.Address)))
        {
            Assert.True(v.ExitedBlock >= v.ExitUnlockBlock, $"{v.Sequencer} exited at {v.ExitedBlock}, before its unlock block {v.ExitUnlockBlock}");
            Assert.Equal(Stake, v.ReturnedStake);
            Assert.Equal(4, await chain.RegistryStatusAsync(v.Sequencer));
        }
        foreach (var tenant in Tenants)
        {
            Assert.Equal(before[tenant] + leaving.Count(s => s.Tenant == tenant) * Stake, await chain.TokenBalanceAsync(publishers[tenant]));
        }
        // The others stay Active.
        Assert.All(await ViewsAsync(chain, sequencers.Except(leaving).Select(s => s.Address)), v => Assert.Equal(SequencerStatus.Active, v.Status));
        // A delegator outside the platform delegates to one of ours with cast; its grain shows the position L1 confirmed.
        var delegator = Address.Parse("0x15d34aaf54267db7d7c367839aaf71a00a2c6a65"); // anvil account 4: funded with tokens, not a key we hold
        var target = sequencers.Except(leaving).First().Address;
        await chain.CastSendAsync(delegator, chain.Deployment.Token, "approve(address,uint256)", chain.Deployment.Registry.ToString(), "5000000000000000000");
        await chain.CastSendAsync(delegator, chain.Deployment.Registry, "delegate(address,uint256)", target.ToString(), "5000000000000000000");
        await chain.FollowedAsync();
        var position = Assert.Single((await chain.Grains.GetGrain<IDelegatorGrain>(delegator.ToString()).GetAsync()).Positions);
        Assert.Equal(target, position.Sequencer);
        Assert.Equal(BigInteger.Parse("5000000000000000000"), position.Amount);

        var follower = await chain.Grains.GetGrain<IL1FollowerGrain>(IL1FollowerGrain.Key).GetAsync();
        output.WriteLine($"done after {clock.Elapsed.TotalSeconds:0.0} s; follower {follower}");
    }

    /// <summary>At a followed head, a sequencer is Active exactly from its activation block on, Queued before.</summary>
    private static void AssertStatusAt(ulong head, SequencerView v)
    {
        if (v.ActivationBlock <= head)
        {
            Assert.Equal(SequencerStatus.Active, v.Status);
            Assert.Equal(v.ActivationBlock, v.ActivatedBlock);
        }
        else
        {
            Assert.Equal(SequencerStatus.Queued, v.Status);
            Assert.Null(v.ActivatedBlock);
        }
    }

    private static async Task<(ulong Head, IReadOnlyList<SequencerView> Views)> StableViewsAsync(ChainUnderTest chain, IReadOnlyList<Address> addresses)
    {
        var follower = chain.Grains.GetGrain<IL1FollowerGrain>(IL1FollowerGrain.Key);
        for (var attempt = 0; ; attempt++)
        {
            var before = (await follower.GetAsync()).LastBlock;
            var views = await ViewsAsync(chain, addresses);
            var after = (await follower.GetAsync()).LastBlock;
            if (before == after && after is { } block)
            {
                return (block, views);
            }
            Assert.True(attempt < 20, $"the follower kept moving ({before} → {after}) while the views were read");
        }
    }

    private static async Task<Dictionary<string, Address>> CreateTenantsAsync(ChainUnderTest chain)
    {
        var publishers = new Dictionary<string, Address>();
        for (var i = 0; i < Tenants.Length; i++)
        {
            await chain.Grains.GetGrain<ITenantGrain>(Tenants[i]).SaveAsync(Tenants[i]);
            publishers[Tenants[i]] = DevAccounts.Account(i + 1);
            var view = await chain.Grains.GetGrain<IPublisherGrain>(publishers[Tenants[i]].ToString()).AttachAsync(Tenants[i]);
            Assert.False(view.Underfunded);
        }
        return publishers;
    }

    private static async Task<List<SequencerView>> ViewsAsync(ChainUnderTest chain, IEnumerable<Address> sequencers) =>
        [.. await Task.WhenAll(sequencers.Select(async s => (await chain.Grains.GetGrain<ISequencerGrain>(s.ToString()).GetAsync())!))];
}
