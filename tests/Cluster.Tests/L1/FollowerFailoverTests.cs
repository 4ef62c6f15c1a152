using System.Numerics;
using Hosting.Contracts.Domain;
using Hosting.Contracts.L1;
using Hosting.Contracts.Publishers;
using Hosting.Contracts.Sequencers;
using Hosting.Contracts.Tenants;
using Xunit.Abstractions;

namespace Hosting.Cluster.Tests.L1;

/// <summary>The one follower of the cluster survives the loss of its silo and resumes from its persisted checkpoint.</summary>
[Collection(ChainCollection.Name)]
public sealed class FollowerFailoverTests(ITestOutputHelper output)
{
    private static readonly BigInteger Stake = BigInteger.Parse("100000000000000000000");

    [Fact]
    public async Task The_follower_moves_to_a_surviving_silo_and_continues_from_its_checkpoint_without_redelivering()
    {
        await using var chain = await ChainUnderTest.StartAsync(silos: 2);
        var grains = chain.Grains;
        await grains.GetGrain<ITenantGrain>("acme").SaveAsync("Acme");
        var publisher = DevAccounts.Account(1);
        await grains.GetGrain<IPublisherGrain>(publisher.ToString()).AttachAsync("acme");
        var early = grains.GetGrain<ISequencerGrain>(DevAccounts.NewSequencer().ToString());
        await early.ImportAsync("acme");
        await early.RegisterAsync("acme", new SequencerRegistration(publisher, publisher, Stake));
        await chain.MineAsync(3);
        await chain.FollowedAsync();
        var follower = grains.GetGrain<IL1FollowerGrain>(IL1FollowerGrain.Key);
        var before = await follower.GetAsync();
        Assert.Equal(1, before.EventsDelivered);

        // Kill the silo the follower lives on (ungracefully: no deactivation, no last write).
        var host = chain.Cluster.Silos.Single(s => before.Silo.Contains(s.SiloAddress.Endpoint.ToString(), StringComparison.Ordinal));
        await chain.Cluster.KillSiloAsync(host);
        output.WriteLine($"killed {host.SiloAddress}, the follower's silo");

        var late = grains.GetGrain<ISequencerGrain>(DevAccounts.NewSequencer().ToString());
        await late.ImportAsync("acme");
        await late.RegisterAsync("acme", new SequencerRegistration(publisher, publisher, Stake));
        await chain.MineAsync(3);
        await chain.FollowedAsync(TimeSpan.FromSeconds(90));
        var after = await follower.GetAsync();
        output.WriteLine($"before {before}\nafter  {after}");
        Assert.DoesNotContain(host.SiloAddress.Endpoint.ToString(), after.Silo);
        Assert.Equal(SequencerStatus.Queued, (await late.GetAsync())!.Status);
        Assert.Equal(1, (await early.GetAsync())!.AppliedEvents);
        // Resumed from the checkpoint: the early registration was not delivered a second time.
        Assert.Equal(2, after.EventsDelivered);
    }
}
