using System.Collections.Concurrent;
using System.Diagnostics;
using System.Numerics;
using System.Text.Json;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Publishers;
using Hosting.Contracts.Sequencers;
using Hosting.Contracts.Tenants;
using Hosting.Grains.L1;
using Orleans.Runtime;
using Xunit.Abstractions;

namespace Hosting.Cluster.Tests.L1;

/// <summary>
/// The silo hosting a tenant's publisher dies while the tenant registers many sequencers through it. What the
/// chain shows afterwards is the verdict: each sequencer registered once, the publisher's nonces without a gap
/// and nothing left in the pool, and every registration the tenant asked for Queued or Active in its grain.
/// </summary>
[Collection(ChainCollection.Name)]
public sealed class PublisherSiloLossTests(ITestOutputHelper output)
{
    private const int Count = 24;
    private const int KillAfter = 8;
    private const int Workers = 4;
    private static readonly BigInteger Stake = BigInteger.Parse("100000000000000000000");

    [Fact]
    public async Task Killing_the_publishers_silo_mid_registration_registers_each_sequencer_once_without_a_nonce_gap_or_a_lost_registration()
    {
        var clock = Stopwatch.StartNew();
        await using var chain = await ChainUnderTest.StartAsync(silos: 2);
        var grains = chain.Grains;
        await grains.GetGrain<ITenantGrain>("acme").SaveAsync("Acme");
        var publisher = DevAccounts.Account(1);
        await grains.GetGrain<IPublisherGrain>(publisher.ToString()).AttachAsync("acme");
        var nonceAtStart = await NonceAsync(chain, publisher, "latest");
        var sequencers = Enumerable.Range(0, Count).Select(_ => DevAccounts.NewSequencer()).ToList();
        foreach (var sequencer in sequencers)
        {
            await grains.GetGrain<ISequencerGrain>(sequencer.ToString()).ImportAsync("acme");
        }
        output.WriteLine($"cluster up, {Count} imported after {clock.Elapsed.TotalSeconds:0.0} s");

        // A block a second instead of one per transaction: each registration's approval now waits for its block
        // inside the publisher's turn, so the kill finds the publisher with a transaction in flight.
        await chain.Anvil.RpcAsync("evm_setAutomine", false);
        await chain.Anvil.RpcAsync("evm_setIntervalMining", 1);

        // A few operators register at once, as the portal lets them; a failed call is retried the way a client
        // would, after a pause, until the platform accepts it (or refuses it for a reason that is not the outage).
        var queue = new ConcurrentQueue<Address>(sequencers);
        var accepted = 0;
        var failures = new ConcurrentBag<string>();
        var killed = new TaskCompletionSource<SiloAddress>(TaskCreationOptions.RunContinuationsAsynchronously);
        var registering = Enumerable.Range(0, Workers).Select(_ => Task.Run(async () =>
        {
            while (queue.TryDequeue(out var sequencer))
            {
                await RegisterWithRetriesAsync(grains, sequencer, publisher, failures);
                if (Interlocked.Increment(ref accepted) == KillAfter)
                {
                    killed.SetResult(await KillPublisherSiloAsync(chain, publisher));
                }
            }
        })).ToList();
        var victim = await killed.Task.WaitAsync(TimeSpan.FromMinutes(3));
        output.WriteLine($"killed {victim} (the publisher's silo) after {KillAfter} accepted registrations, {clock.Elapsed.TotalSeconds:0.0} s");
        await Task.WhenAll(registering).WaitAsync(TimeSpan.FromMinutes(5));
        output.WriteLine($"all {Count} accepted after {clock.Elapsed.TotalSeconds:0.0} s; {failures.Count} failed attempts on the way:\n  {string.Join("\n  ", failures)}");

        // Nothing left to send or stuck in the pool: the publisher's pending list drains and the node's pending
        // nonce equals its mined one.
        var drained = await Eventually.WaitAsync(async () =>
        {
            await chain.MineAsync(1);
            var view = await grains.GetGrain<IPublisherGrain>(publisher.ToString()).CheckAsync();
            return view.Pending.Count == 0;
        }, TimeSpan.FromSeconds(90));
        var publisherView = await grains.GetGrain<IPublisherGrain>(publisher.ToString()).CheckAsync();
        Assert.True(drained, $"the publisher still holds {publisherView.Pending.Count} transactions: {string.Join(", ", publisherView.Pending)}");

        // Once active, these sequencers lead every slot, so the slot pipeline proposes through the same publisher and
        // a proposal may be on its way (automine mines it a moment after it is sent) while the nonces are read: read
        // until the node's mined and pending nonces and the grain's next nonce agree, or fail below with what was read.
        ulong latest = 0, pending = 0;
        await Eventually.WaitAsync(async () =>
        {
            await chain.FollowedAsync(TimeSpan.FromSeconds(90));
            publisherView = await grains.GetGrain<IPublisherGrain>(publisher.ToString()).CheckAsync();
            latest = await NonceAsync(chain, publisher, "latest");
            pending = await NonceAsync(chain, publisher, "pending");
            return latest == pending && publisherView.NextNonce == latest;
        }, TimeSpan.FromSeconds(30));
        var mined = await MinedTransactionsAsync(chain, publisher);
        output.WriteLine($"publisher: nonce {nonceAtStart} → {latest} (pending {pending}), {mined.Count} mined, grain next nonce {publisherView.NextNonce}, sent {publisherView.Sent}, bumped {publisherView.Bumped}");
        Assert.Equal(latest, pending);
        Assert.Equal(latest - nonceAtStart, (ulong)mined.Count);
        Assert.Equal(Enumerable.Range((int)nonceAtStart, mined.Count).Select(n => (ulong)n), mined.Select(t => t.Nonce));
        Assert.Equal(latest, publisherView.NextNonce);

        // Every sequencer registered exactly once on L1: one SequencerRegistered event, one register transaction,
        // none of the publisher's transactions reverted (a second register would, and waste its gas).
        var registered = await RegisteredEventsAsync(chain);
        Assert.Equal(sequencers.Select(s => s.ToString()).Order(), registered.Select(s => s.ToString()).Order());
        var registerCalls = mined.Where(t => t.To == chain.Deployment.Registry && t.Selector == RegisterSelector).ToList();
        Assert.Equal(Count, registerCalls.Count);
        Assert.All(mined, t => Assert.True(t.Succeeded, $"the publisher's transaction {t.Hash} (nonce {t.Nonce}) reverted"));
        foreach (var sequencer in sequencers)
        {
            Assert.Contains(await chain.RegistryStatusAsync(sequencer), new[] { 1, 2 }); // Queued or Active
        }

        // No registration lost: every grain shows the registration L1 confirmed, with its stake.
        var views = await Task.WhenAll(sequencers.Select(async s => (await grains.GetGrain<ISequencerGrain>(s.ToString()).GetAsync())!));
        Assert.All(views, v =>
        {
            Assert.Contains(v.Status, new[] { SequencerStatus.Queued, SequencerStatus.Active });
            Assert.Equal(Stake, v.Stake);
            Assert.Equal(v.Status == SequencerStatus.Active ? 2 : 1, v.AppliedEvents); // registered (and activated), once each
        });
        var holdings = await grains.GetGrain<ITenantGrain>("acme").GetHoldingsAsync();
        Assert.Equal(sequencers.Select(s => s.ToString()).Order(), holdings.Sequencers.Select(s => s.ToString()).Order());
        output.WriteLine($"verified after {clock.Elapsed.TotalSeconds:0.0} s");
    }

    private static readonly string RegisterSelector = $"0x{RegistryAbi.Register.Selector.Value:x8}";

    private async Task RegisterWithRetriesAsync(IGrainFactory grains, Address sequencer, Address publisher, ConcurrentBag<string> failures)
    {
        var grain = grains.GetGrain<ISequencerGrain>(sequencer.ToString());
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var view = await grain.RegisterAsync("acme", new SequencerRegistration(publisher, publisher, Stake));
                Assert.Contains(view.Status, new[] { SequencerStatus.Registering, SequencerStatus.Queued, SequencerStatus.Active });
                return;
            }
            catch (Exception exception) when (attempt < 20 && exception is not Xunit.Sdk.XunitException)
            {
                var failure = $"{sequencer} attempt {attempt}: {exception.GetType().Name}: {exception.Message.Split('\n')[0]}";
                failures.Add(failure);
                output.WriteLine(failure);
                await Task.Delay(TimeSpan.FromSeconds(1));
            }
        }
    }

    private static async Task<SiloAddress> KillPublisherSiloAsync(ChainUnderTest chain, Address publisher)
    {
        var management = chain.Grains.GetGrain<IManagementGrain>(0);
        var host = await management.GetActivationAddress(chain.Grains.GetGrain<IPublisherGrain>(publisher.ToString()))
            ?? throw new InvalidOperationException($"publisher {publisher} has no activation to kill");
        var silo = chain.Cluster.Silos.Single(s => s.SiloAddress.Equals(host));
        await chain.Cluster.KillSiloAsync(silo);
        return host;
    }

    private static async Task<ulong> NonceAsync(ChainUnderTest chain, Address account, string block) =>
        Convert.ToUInt64((await chain.Anvil.RpcAsync("eth_getTransactionCount", account.ToString(), block)).GetString(), 16);

    private sealed record MinedTransaction(Hash32 Hash, ulong Nonce, Address To, string Selector, bool Succeeded);

    /// <summary>Every transaction <paramref name="from"/> sent that is in a block, in block order, with its receipt's status.</summary>
    private static async Task<List<MinedTransaction>> MinedTransactionsAsync(ChainUnderTest chain, Address from)
    {
        var head = await chain.HeadAsync();
        var mined = new List<MinedTransaction>();
        for (var number = chain.Deployment.DeployBlock; number <= head; number++)
        {
            var block = await chain.Anvil.RpcAsync("eth_getBlockByNumber", $"0x{number:x}", true);
            foreach (var tx in block.GetProperty("transactions").EnumerateArray())
            {
                if (Address.Parse(tx.GetProperty("from").GetString()!) != from)
                {
                    continue;
                }
                var hash = tx.GetProperty("hash").GetString()!;
                var receipt = await chain.Anvil.RpcAsync("eth_getTransactionReceipt", hash);
                var input = tx.GetProperty("input").GetString()!;
                mined.Add(new MinedTransaction(Hash32.Parse(hash), Convert.ToUInt64(tx.GetProperty("nonce").GetString(), 16),
                    Address.Parse(tx.GetProperty("to").GetString()!), input.Length >= 10 ? input[..10] : input,
                    receipt.GetProperty("status").GetString() == "0x1"));
            }
        }
        return mined;
    }

    /// <summary>The sequencer of every SequencerRegistered log the registry emitted, one entry per log.</summary>
    private static async Task<List<Address>> RegisteredEventsAsync(ChainUnderTest chain)
    {
        var topic = RegistryAbi.SequencerRegistered.Topic.ToString();
        var logs = await chain.Anvil.RpcAsync("eth_getLogs", new Dictionary<string, object>
        {
            ["address"] = chain.Deployment.Registry.ToString(),
            ["fromBlock"] = $"0x{chain.Deployment.DeployBlock:x}",
            ["toBlock"] = "latest",
            ["topics"] = new[] { topic },
        });
        return [.. logs.EnumerateArray().Select(l => Address.Parse("0x" + l.GetProperty("topics")[1].GetString()![26..]))];
    }
}
