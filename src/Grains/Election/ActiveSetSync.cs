using System.Collections.Concurrent;
using System.Numerics;
using Hosting.Contracts.Domain;
using Hosting.Contracts.Sequencers;
using Hosting.Grains.L1;
using Hosting.L1.Abi;
using Hosting.L1.Rpc;

namespace Hosting.Grains.Election;

/// <summary>
/// Brings this silo's <see cref="ScoreIndex"/> up to L1 before a slot is ranked: the registry's active set
/// (its paged activeSequencers view) and, for the sequencers whose keys this deployment holds, the tenant
/// that imported them (asked once per sequencer, then remembered). One RPC page per 500 sequencers, so it is
/// cheap for a slot a few times a minute; a follower-fed index is the later optimisation.
/// </summary>
public sealed class ActiveSetSync(ScoreIndex index, L1Chain chain, AccountKeys keys)
{
    private const int Page = 500;
    private static readonly AbiFunction ActiveSequencers = AbiFunction.Parse("activeSequencers(uint256,uint256)", "(address[],uint256)");
    private readonly ConcurrentDictionary<Address, string> _tenants = new();
    private readonly SemaphoreSlim _turn = new(1, 1);
    private HashSet<Address> _active = [];

    public async Task<ScoreIndex> RefreshAsync(IGrainFactory grains, CancellationToken cancellationToken = default)
    {
        var registry = chain.RequireDeployment().Registry;
        var client = chain.RequireClient();
        await _turn.WaitAsync(cancellationToken);
        try
        {
            var active = new HashSet<Address>();
            BigInteger offset = 0;
            while (true)
            {
                var output = ActiveSequencers.DecodeOutput(await client.CallAsync(new CallRequest(registry, ActiveSequencers.EncodeCall(offset, Page)), cancellationToken: cancellationToken));
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
                if (keys.HostsSequencer(sequencer) && !_tenants.ContainsKey(sequencer)
                    && await grains.GetGrain<ISequencerGrain>(sequencer.ToString()).GetAsync() is { Tenant: { Length: > 0 } tenant })
                {
                    _tenants[sequencer] = tenant;
                    index.Host(sequencer, tenant);
                }
                index.Activate(sequencer);
            }
            foreach (var gone in _active.Where(a => !active.Contains(a)))
            {
                index.Deactivate(gone);
            }
            _active = active;
            return index;
        }
        finally
        {
            _turn.Release();
        }
    }
}
