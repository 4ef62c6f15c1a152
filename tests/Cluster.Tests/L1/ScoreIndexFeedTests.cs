using System.Globalization;
using System.Numerics;
using System.Text.RegularExpressions;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Publishers;
using Hosting.Contracts.Sequencers;
using Hosting.Contracts.Tenants;
using Hosting.Grains.Election;
using Hosting.L1.Signing;
using Hosting.TestKit;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using Xunit.Abstractions;

namespace Hosting.Cluster.Tests.L1;

/// <summary>
/// Every silo's score index follows the network's active set from the follower's registry events as they are
/// delivered: activations in, exits out, without reading the registry's paged view again; a reorg that removes
/// an exit makes each silo resynchronise from the registry instead.
/// </summary>
[Collection(ChainCollection.Name)]
public sealed partial class ScoreIndexFeedTests(ITestOutputHelper output)
{
    private const string Outsider = "0x15d34aaf54267db7d7c367839aaf71a00a2c6a65"; // anvil account 4: tokens, a key we do not hold
    private static readonly BigInteger Stake = BigInteger.Parse("100000000000000000000");

    [Fact]
    public async Task Each_silos_index_matches_the_registrys_active_set_from_delivered_events_and_resyncs_after_a_reorg()
    {
        await using var chain = await ChainUnderTest.StartAsync(silos: 2);
        var grains = chain.Grains;
        var silos = chain.Cluster.Silos.Select(s => ((InProcessSiloHandle)s).SiloHost.Services.GetRequiredService<ActiveSetSync>()).ToList();
        var indexes = chain.Cluster.Silos.Select(s => ((InProcessSiloHandle)s).SiloHost.Services.GetRequiredService<ScoreIndex>()).ToList();

        // The first head fills each index from the registry (empty so far): the one full resync.
        await chain.MineAsync(1);
        Assert.True(await Eventually.WaitAsync(() => Task.FromResult(silos.All(s => s.Resyncs == 1)), TimeSpan.FromSeconds(30)),
            $"resyncs per silo: {string.Join(", ", silos.Select(s => s.Resyncs))}");

        // Three hosted sequencers registered through the platform, one registered by an outsider with cast.
        await grains.GetGrain<ITenantGrain>("acme").SaveAsync("Acme");
        var publisher = DevAccounts.Account(1);
        await grains.GetGrain<IPublisherGrain>(publisher.ToString()).AttachAsync("acme");
        var hosted = Enumerable.Range(0, 3).Select(_ => DevAccounts.NewSequencer()).ToList();
        foreach (var sequencer in hosted)
        {
            var grain = grains.GetGrain<ISequencerGrain>(sequencer.ToString());
            await grain.ImportAsync("acme");
            await grain.RegisterAsync("acme", new SequencerRegistration(publisher, publisher, Stake));
        }
        var outside = new LocalKeySigner(Hosting.L1.Crypto.PrivateKey.Generate()).Address;
        var outsider = Address.Parse(Outsider);
        await chain.CastSendAsync(outsider, chain.Deployment.Token, "approve(address,uint256)", chain.Deployment.Registry.ToString(), Stake.ToString(CultureInfo.InvariantCulture));
        await chain.CastSendAsync(outsider, chain.Deployment.Registry, "register(address,address,uint256)", outside.ToString(), Outsider, Stake.ToString(CultureInfo.InvariantCulture));

        // Past the entry period all four are Active on L1, and every index says so from the follower's events alone.
        await chain.MineAsync((int)chain.Deployment.EntryPeriodBlocks + 1);
        await chain.FollowedAsync();
        var registry = await RegistryActiveSetAsync(chain);
        Assert.Equal(hosted.Append(outside).Select(a => a.ToString()).Order(), registry.Select(a => a.ToString()).Order());
        await AssertIndexesMatchAsync(chain, silos, indexes, registry, resyncs: 1);
        Assert.All(indexes, index =>
        {
            Assert.Equal(3, index.HostedCount);
            Assert.All(hosted, s => Assert.Equal("acme", index.TenantOf(s)));
            Assert.Null(index.TenantOf(outside));
        });
        Assert.All(silos, s => Assert.True(s.ChangesApplied >= 4, $"{s.ChangesApplied} changes applied"));

        // An exit (the outsider's, by cast) takes it out of every index, still without a resync.
        var snapshot = (await chain.Anvil.RpcAsync("evm_snapshot")).GetString()!;
        await chain.CastSendAsync(outsider, chain.Deployment.Registry, "initiateExit(address)", outside.ToString());
        await chain.MineAsync(1);
        await chain.FollowedAsync();
        var afterExit = await RegistryActiveSetAsync(chain);
        Assert.DoesNotContain(outside, afterExit);
        await AssertIndexesMatchAsync(chain, silos, indexes, afterExit, resyncs: 1);

        // A reorg that drops the exit: the follower removes the event, and each silo rebuilds from the registry.
        await chain.Anvil.RpcAsync("evm_revert", snapshot);
        await chain.MineAsync(4);
        await chain.FollowedAsync();
        var reorged = await RegistryActiveSetAsync(chain);
        Assert.Contains(outside, reorged);
        await AssertIndexesMatchAsync(chain, silos, indexes, reorged, resyncs: 2);
        output.WriteLine($"changes applied per silo: {string.Join(", ", silos.Select(s => s.ChangesApplied))}; resyncs: {string.Join(", ", silos.Select(s => s.Resyncs))}");
    }

    /// <summary>Waits (a head or two) for every silo's index to hold exactly the registry's active set after the given number of full resyncs.</summary>
    private static async Task AssertIndexesMatchAsync(ChainUnderTest chain, List<ActiveSetSync> silos, List<ScoreIndex> indexes, List<Address> registry, long resyncs)
    {
        bool Matches(ScoreIndex index) => index.ActiveCount == registry.Count && registry.All(index.IsActive);
        var matched = await Eventually.WaitAsync(async () =>
        {
            if (indexes.All(Matches))
            {
                return true;
            }
            await chain.MineAsync(1); // a new head: each silo's head watch pulls the follower's changes
            return false;
        }, TimeSpan.FromSeconds(30));
        Assert.True(matched, $"indexes hold {string.Join(" / ", indexes.Select(i => i.ActiveCount))} active, the registry {registry.Count}");
        Assert.All(silos, s => Assert.Equal(resyncs, s.Resyncs));
    }

    /// <summary>The registry's activeSequencers view at the head, read with the real cast.</summary>
    private static async Task<List<Address>> RegistryActiveSetAsync(ChainUnderTest chain)
    {
        var result = await ProcessRunner.RunAsync(Tools.Cast, "call", chain.Deployment.Registry.ToString(), "activeSequencers(uint256,uint256)(address[],uint256)", "0", "500", "--rpc-url", chain.Anvil.RpcUrl.ToString());
        return [.. AddressPattern().Matches(result.EnsureSuccess("cast call activeSequencers").Output).Select(m => Address.Parse(m.Value))];
    }

    [GeneratedRegex("0x[0-9a-fA-F]{40}")]
    private static partial Regex AddressPattern();
}
