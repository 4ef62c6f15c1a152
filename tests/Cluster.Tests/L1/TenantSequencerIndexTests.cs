using System.Numerics;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Publishers;
using Hosting.Contracts.Sequencers;
using Hosting.Contracts.Tenants;

namespace Hosting.Cluster.Tests.L1;

/// <summary>
/// The tenant's sequencer index (what the portal pages from) follows L1: each status a sequencer folds from a
/// confirmed fact reaches its tenant, so the index and the sequencers never disagree.
/// </summary>
[Collection(ChainCollection.Name)]
public sealed class TenantSequencerIndexTests
{
    private static readonly BigInteger Stake = BigInteger.Parse("100000000000000000000");

    [Fact]
    public async Task the_index_moves_from_unregistered_to_queued_to_active_as_l1_confirms()
    {
        await using var chain = await ChainUnderTest.StartAsync(silos: 2);
        const string tenant = "umbrella";
        await chain.Grains.GetGrain<ITenantGrain>(tenant).SaveAsync("Umbrella");
        var publisher = DevAccounts.Account(1);
        await chain.Grains.GetGrain<IPublisherGrain>(publisher.ToString()).AttachAsync(tenant);
        var sequencers = Enumerable.Range(0, 3).Select(_ => DevAccounts.NewSequencer()).ToList();
        var index = chain.Grains.GetGrain<ITenantGrain>(tenant);
        async Task<List<SequencerStatus>> IndexedAsync()
        {
            var statuses = new List<SequencerStatus>();
            foreach (var s in sequencers)
            {
                statuses.Add((await index.ListSequencersAsync(new SequencerQuery(null, s.ToString(), 1, 10))).Items.Single().Status);
            }
            return statuses;
        }

        foreach (var sequencer in sequencers)
        {
            await chain.Grains.GetGrain<ISequencerGrain>(sequencer.ToString()).ImportAsync(tenant);
        }
        Assert.All(await IndexedAsync(), s => Assert.Equal(SequencerStatus.None, s));

        await chain.Grains.GetGrain<ISequencerGrain>(sequencers[0].ToString()).RegisterAsync(tenant, new SequencerRegistration(publisher, publisher, Stake));
        await chain.FollowedAsync();
        Assert.Equal(SequencerStatus.Queued, (await IndexedAsync())[0]);
        Assert.Equal(SequencerStatus.None, (await IndexedAsync())[1]);

        await chain.MineAsync((int)chain.Deployment.EntryPeriodBlocks + 1);
        await chain.FollowedAsync();
        var view = await chain.Grains.GetGrain<ISequencerGrain>(sequencers[0].ToString()).GetAsync();
        Assert.Equal(SequencerStatus.Active, view!.Status);
        Assert.Equal(SequencerStatus.Active, (await IndexedAsync())[0]);
        var active = await index.ListSequencersAsync(new SequencerQuery(SequencerStatus.Active, "", 1, 50));
        Assert.Equal([sequencers[0]], active.Items.Select(i => i.Sequencer));
    }
}
