using System.Numerics;
using Hosting.Cluster.Tests.L1;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Publishers;
using Hosting.Contracts.Sequencers;
using Hosting.Contracts.Tenants;
using Hosting.Grains.L1;
using Hosting.L1.Contracts;
using Hosting.L1.Crypto;
using Hosting.L1.Rpc;
using Hosting.L1.Signing;

namespace Hosting.Cluster.Tests.Slots;

/// <summary>
/// The network the slot tests run in: one tenant whose hosted sequencers are imported and registered through its
/// publisher (dev account 1, also their withdrawer), and outsiders registered on L1 by dev account 2, a party
/// outside the platform whose keys only the test holds. Nothing is mined past the entry period here.
/// </summary>
internal sealed record SlotNetwork(
    L1Deployment Deployment,
    SlotSchedule Schedule,
    FernetRollupContract Rollup,
    SequencerRegistryContract Registry,
    StakingTokenContract Token,
    Address Publisher,
    IEthSigner OutsiderFunder,
    IReadOnlyList<Address> Hosted,
    IReadOnlyDictionary<Address, LocalKeySigner> Outsiders)
{
    public static readonly BigInteger Stake = 100 * BigInteger.Pow(10, 18);

    /// <summary>Registers <paramref name="hosted"/> sequencers for <paramref name="tenant"/> and <paramref name="outsiders"/> others, and lets each prover bond up to a million tokens.</summary>
    public static async Task<SlotNetwork> SetUpAsync(ChainUnderTest chain, string tenant, int hosted, int outsiders, params IEthSigner[] provers)
    {
        var deployment = chain.Deployment;
        var schedule = deployment.Schedule ?? throw new InvalidOperationException("the deployment file has no slot schedule");
        var l1 = new EthereumClient(new JsonRpcClient(new RpcOptions { Endpoints = [chain.Anvil.RpcUrl] }));
        var token = new StakingTokenContract(l1, deployment.Token);
        var registry = new SequencerRegistryContract(l1, deployment.Registry);
        var publisher = DevAccounts.Account(1);
        var outsiderFunder = DevAccounts.Store.Find(DevAccounts.Account(2))!;

        await chain.Grains.GetGrain<ITenantGrain>(tenant).SaveAsync(tenant);
        await chain.Grains.GetGrain<IPublisherGrain>(publisher.ToString()).AttachAsync(tenant);
        var ours = Enumerable.Range(0, hosted).Select(_ => DevAccounts.NewSequencer()).ToList();
        foreach (var sequencer in ours)
        {
            var grain = chain.Grains.GetGrain<ISequencerGrain>(sequencer.ToString());
            await grain.ImportAsync(tenant);
            await grain.RegisterAsync(tenant, new SequencerRegistration(publisher, publisher, Stake));
        }
        var theirs = Enumerable.Range(0, outsiders).Select(_ => new LocalKeySigner(PrivateKey.Generate())).ToDictionary(s => s.Address);
        await token.ApproveAsync(outsiderFunder, deployment.Registry, Stake * theirs.Count);
        foreach (var outsider in theirs.Keys)
        {
            await registry.RegisterAsync(outsiderFunder, outsider, outsiderFunder.Address, Stake);
        }
        foreach (var prover in provers)
        {
            await token.ApproveAsync(prover, deployment.Rollup, 1_000_000 * BigInteger.Pow(10, 18));
        }
        return new SlotNetwork(deployment, schedule, new FernetRollupContract(l1, deployment.Rollup), registry, token, publisher, outsiderFunder, ours, theirs);
    }

    /// <summary>The sequencer with the highest score for <paramref name="slot"/>, and whether the platform hosts it.</summary>
    public async Task<(Address Leader, bool Ours)> LeaderAsync(ulong slot)
    {
        var scores = new Dictionary<Address, BigInteger>();
        foreach (var sequencer in Hosted.Concat(Outsiders.Keys))
        {
            scores[sequencer] = await Rollup.ScoreAsync(slot, sequencer);
        }
        var leader = scores.MaxBy(s => s.Value).Key;
        return (leader, Hosted.Contains(leader));
    }
}
