using System.Numerics;
using Hosting.Cluster.Tests.Postgres;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Publishers;
using Hosting.Contracts.Sequencers;
using Hosting.Contracts.Tenants;
using Hosting.Grains;
using Hosting.Grains.Tenants;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;
using Orleans.Runtime;
using Orleans.Storage;
using Orleans.TestingHost;

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

    [Fact]
    public async Task a_status_move_held_in_memory_when_the_tenants_silo_dies_is_rebuilt_from_the_sequencers()
    {
        await using var chain = await ChainUnderTest.StartAsync(silos: 2, b => b.AddSiloBuilderConfigurator<IndexWrittenRarely>());
        const string tenant = "initech";
        await chain.Grains.GetGrain<ITenantGrain>(tenant).SaveAsync("Initech");
        var publisher = DevAccounts.Account(1);
        await chain.Grains.GetGrain<IPublisherGrain>(publisher.ToString()).AttachAsync(tenant);
        var sequencers = Enumerable.Range(0, 3).Select(_ => DevAccounts.NewSequencer()).ToList();
        foreach (var sequencer in sequencers)
        {
            await chain.Grains.GetGrain<ISequencerGrain>(sequencer.ToString()).ImportAsync(tenant);
        }
        await chain.Grains.GetGrain<ISequencerGrain>(sequencers[1].ToString()).RegisterAsync(tenant, new SequencerRegistration(publisher, publisher, Stake));
        await chain.FollowedAsync();
        var index = chain.Grains.GetGrain<ITenantGrain>(tenant);
        Assert.Equal(SequencerStatus.Queued, await IndexedStatusAsync(index, sequencers[1]));

        // The move is acknowledged from memory: its page still says None, and the head carries the mark.
        var tenantId = GrainId.Create("tenant", tenant);
        var storage = Storage(chain.Cluster.Silos[0]);
        var page = await ReadAsync<TenantIndexPage>(storage, TenantIndexPage.StateName(0), tenantId);
        Assert.Equal((int)SequencerStatus.None, page.Statuses[1]);
        Assert.NotNull((await ReadAsync<TenantIndexHead>(storage, TenantIndexHead.StateName, tenantId)).UnflushedSince);

        var host = await chain.Grains.GetGrain<IManagementGrain>(0).GetActivationAddress(index)
            ?? throw new InvalidOperationException("the tenant has no activation");
        var victim = chain.Cluster.Silos.Single(s => s.SiloAddress.Equals(host));
        await chain.Cluster.KillSiloAsync(victim);

        // The tenant wakes on the survivor, finds the mark and asks its sequencers: the move is back, and stored.
        SequencerStatus? seen = null;
        var rebuilt = await Eventually.WaitAsync(async () =>
        {
            try
            {
                seen = await IndexedStatusAsync(index, sequencers[1]).WaitAsync(TimeSpan.FromSeconds(10));
                return seen == SequencerStatus.Queued;
            }
            catch (Exception e) when (e is TimeoutException or SiloUnavailableException or OrleansMessageRejectionException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(90));
        Assert.True(rebuilt, $"after the tenant's silo died the index shows {seen} for the queued sequencer");
        Assert.Equal(SequencerStatus.None, await IndexedStatusAsync(index, sequencers[0]));
        var survivor = Storage(chain.Cluster.Silos.Single(s => !s.SiloAddress.Equals(host)));
        var stored = await Eventually.WaitAsync(async () =>
            (await ReadAsync<TenantIndexPage>(survivor, TenantIndexPage.StateName(0), tenantId)).Statuses[1] == (int)SequencerStatus.Queued
            && (await ReadAsync<TenantIndexHead>(survivor, TenantIndexHead.StateName, tenantId)).UnflushedSince is null, TimeSpan.FromSeconds(30));
        Assert.True(stored, "the rebuilt index was not written back with its mark cleared");
    }

    private static async Task<SequencerStatus> IndexedStatusAsync(ITenantGrain index, Address sequencer) =>
        (await index.ListSequencersAsync(new SequencerQuery(null, sequencer.ToString(), 1, 10))).Items.Single().Status;

    internal static IGrainStorage Storage(SiloHandle silo) =>
        ((InProcessSiloHandle)silo).SiloHost.Services.GetRequiredKeyedService<IGrainStorage>(GrainStorage.Name);

    internal static async Task<T> ReadAsync<T>(IGrainStorage storage, string stateName, GrainId grain) where T : new()
    {
        var state = new GrainState<T>(new T());
        await storage.ReadStateAsync(stateName, grain, state);
        return state.State ?? new T();
    }

    /// <summary>Status moves stay in memory for ten minutes: long enough that only a rebuild can bring one back.</summary>
    public sealed class IndexWrittenRarely : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder) =>
            siloBuilder.Services.AddSingleton(new TenantIndexOptions { FlushDelay = TimeSpan.FromMinutes(10) });
    }
}
