using System.Collections.Concurrent;
using System.Numerics;
using Hosting.Contracts.Domain;
using Hosting.Contracts.L1;
using Hosting.Contracts.Sequencers;
using Hosting.Grains.L1;
using Hosting.L1.Abi;
using Hosting.L1.Rpc;

namespace Hosting.Grains.Election;

/// <summary>
/// Keeps this silo's <see cref="ScoreIndex"/> equal to the network's active set. Normally from the L1 follower's
/// registry events as it delivers them (activations in, exits out; one interleaved grain call that returns only
/// what changed since the last one), on every new head and again before a slot is ranked. A full resync reads the
/// registry's paged activeSequencers view (one RPC page per 500 sequencers) at the block the follower stands on,
/// and is the fallback when the index was never filled, the follower moved to another activation, a reorg removed
/// an activation or exit, or this silo fell behind the changes the follower keeps. For the sequencers whose keys
/// this deployment holds, the tenant that imported them is asked once, then remembered.
/// </summary>
public sealed class ActiveSetSync(ScoreIndex index, L1Chain chain, AccountKeys keys)
{
    private const int Page = 500;
    private static readonly AbiFunction ActiveSequencers = AbiFunction.Parse("activeSequencers(uint256,uint256)", "(address[],uint256)");
    private readonly ConcurrentDictionary<Address, string> _tenants = new();
    private readonly SemaphoreSlim _turn = new(1, 1);
    private readonly HashSet<Address> _active = [];
    private Guid _epoch = Guid.Empty;
    private long _after = -1;
    private ulong? _syncedThrough;

    /// <summary>How many times the index was rebuilt from the registry's paged view.</summary>
    public long Resyncs { get; private set; }

    /// <summary>How many follower-delivered changes were applied to the index.</summary>
    public long ChangesApplied { get; private set; }

    public async Task<ScoreIndex> RefreshAsync(IGrainFactory grains, CancellationToken cancellationToken = default)
    {
        await _turn.WaitAsync(cancellationToken);
        try
        {
            var follower = grains.GetGrain<IL1FollowerGrain>(IL1FollowerGrain.Key);
            var answer = await follower.GetActiveSetChangesAsync(_epoch, _after);
            if (!answer.Complete)
            {
                await ResyncAsync(grains, answer.ThroughBlock, cancellationToken);
                (_epoch, _after, _syncedThrough) = (answer.Epoch, answer.NextSequence - 1, answer.ThroughBlock);
                // Changes the follower recorded while the registry was read.
                answer = await follower.GetActiveSetChangesAsync(_epoch, _after);
                if (!answer.Complete)
                {
                    return index;
                }
            }
            foreach (var change in answer.Changes)
            {
                // After a resync at block B, a change of a block up to B is already in what the registry said.
                if (_syncedThrough is not { } synced || change.Block > synced)
                {
                    await ApplyAsync(grains, change.Sequencer, change.Active);
                    ChangesApplied++;
                }
                _after = change.Sequence;
            }
            return index;
        }
        finally
        {
            _turn.Release();
        }
    }

    private async Task ResyncAsync(IGrainFactory grains, ulong? block, CancellationToken cancellationToken)
    {
        var registry = chain.RequireDeployment().Registry;
        var client = chain.RequireClient();
        var at = block is { } number ? BlockTag.Number(number) : BlockTag.Latest;
        var active = new HashSet<Address>();
        BigInteger offset = 0;
        while (true)
        {
            var output = ActiveSequencers.DecodeOutput(await client.CallAsync(new CallRequest(registry, ActiveSequencers.EncodeCall(offset, Page)), at, cancellationToken));
            foreach (var sequencer in (IEnumerable<object?>)output[0]!)
            {
                active.Add((Address)sequencer!);
            }
            var next = (BigInteger)output[1]!;
            if (next <= offset)
            {
                break;
            }
            offset = next;
        }
        foreach (var sequencer in active)
        {
            await ApplyAsync(grains, sequencer, active: true);
        }
        foreach (var gone in _active.Where(a => !active.Contains(a)).ToList())
        {
            await ApplyAsync(grains, gone, active: false);
        }
        Resyncs++;
    }

    private async Task ApplyAsync(IGrainFactory grains, Address sequencer, bool active)
    {
        if (!active)
        {
            index.Deactivate(sequencer);
            _active.Remove(sequencer);
            return;
        }
        if (keys.HostsSequencer(sequencer) && !_tenants.ContainsKey(sequencer)
            && await grains.GetGrain<ISequencerGrain>(sequencer.ToString()).GetAsync() is { Tenant: { Length: > 0 } tenant })
        {
            _tenants[sequencer] = tenant;
            index.Host(sequencer, tenant);
        }
        index.Activate(sequencer);
        _active.Add(sequencer);
    }
}
