using Hosting.Contracts.Domain;

namespace Hosting.Grains.Election;

/// <summary>
/// The per-silo score index (DESIGN.md): every active sequencer of the network in memory, which of them this
/// deployment hosts and for which tenant, and one call that ranks all hosted sequencers for a slot's seed, so
/// a hundred thousand identities never mean a hundred thousand grain calls. Register it as a singleton; the
/// L1 follower feeds it activation and exit events, the slot grain asks it for rankings. Thread-safe: changes
/// and rankings take turns, and a ranking uses every core (tens of milliseconds for 100k active), so a grain
/// should call it off its turn (<c>await Task.Run(() => index.Rank(slot, seed))</c>). The last few rankings are
/// kept until the sets change, because a slot is forecast <c>LAG</c> slots ahead and asked again when it starts.
/// </summary>
public sealed class ScoreIndex
{
    private const int RecentCapacity = 8;

    private readonly Lock _gate = new();
    private readonly Dictionary<(ulong Slot, Hash32 Seed), SlotRanking> _recent = [];
    private readonly ActiveSequencers _active = new();

    internal ActiveSequencers Active => _active;
    private readonly Dictionary<Address, string> _tenants = [];

    /// <summary>How many sequencers the network counts as active.</summary>
    public int ActiveCount
    {
        get { lock (_gate) { return _active.Count; } }
    }

    /// <summary>How many sequencers this deployment hosts, active or not.</summary>
    public int HostedCount
    {
        get { lock (_gate) { return _tenants.Count; } }
    }

    /// <summary>The score of one sequencer in one slot: <c>uint256(keccak256(abi.encode(seed, slot, sequencer)))</c>.</summary>
    public static Score ScoreOf(Hash32 seed, ulong slot, Address sequencer)
    {
        var lanes = AddressLanes.For(sequencer);
        return ScoreKeccak.Score(SlotLanes.For(seed, slot), lanes.Lane9, lanes.Lane10, lanes.Lane11);
    }

    /// <summary>Counts a sequencer as active in the network (it may now propose); false if it already was.</summary>
    public bool Activate(Address sequencer)
    {
        lock (_gate)
        {
            return Changed(_active.Add(sequencer, _tenants.GetValueOrDefault(sequencer)));
        }
    }

    /// <summary>Stops counting a sequencer as active (it exited); false if it was not active.</summary>
    public bool Deactivate(Address sequencer)
    {
        lock (_gate)
        {
            return Changed(_active.Remove(sequencer));
        }
    }

    /// <summary>Records that a tenant's sequencer is hosted here, whether or not it is active yet; hosting it again moves it to the given tenant.</summary>
    public void Host(Address sequencer, string tenantId)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenantId);
        lock (_gate)
        {
            _tenants[sequencer] = tenantId;
            _active.MarkHosted(sequencer, tenantId);
            Changed(true);
        }
    }

    /// <summary>Stops hosting a sequencer; it stays active in the network if it was. False if it was not hosted.</summary>
    public bool Unhost(Address sequencer)
    {
        lock (_gate)
        {
            _active.MarkNotHosted(sequencer);
            return Changed(_tenants.Remove(sequencer));
        }
    }

    /// <summary>Whether the network counts the sequencer as active.</summary>
    public bool IsActive(Address sequencer)
    {
        lock (_gate)
        {
            return _active.Contains(sequencer);
        }
    }

    /// <summary>The tenant hosting a sequencer, or null when this deployment does not host it.</summary>
    public string? TenantOf(Address sequencer)
    {
        lock (_gate)
        {
            return _tenants.GetValueOrDefault(sequencer);
        }
    }

    /// <summary>
    /// Ranks every hosted, active sequencer for the slot against all active sequencers of the network, and
    /// names the slot's leader. Costs one Keccak per active sequencer, spread over every core, unless the same
    /// slot and seed were ranked since the sets last changed.
    /// </summary>
    public SlotRanking Rank(ulong slot, Hash32 seed)
    {
        lock (_gate)
        {
            if (_recent.TryGetValue((slot, seed), out var recent))
            {
                return recent;
            }
            var ranked = SlotRanker.Rank(_active, SlotLanes.For(seed, slot));
            var ranking = new SlotRanking(
                slot, seed, _active.Count, LeaderOf(ranked), Array.AsReadOnly(HostedRanks(ranked)), Array.AsReadOnly(HostedInactive()));
            Remember(ranking);
            return ranking;
        }
    }

    /// <summary>The <paramref name="topK"/> best hosted candidates for a slot, best first, with their network-wide ranks.</summary>
    public IReadOnlyList<HostedRank> Forecast(ulong slot, Hash32 seed, int topK)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(topK);
        var hosted = Rank(slot, seed).Hosted;
        return hosted.Count <= topK ? hosted : hosted.Take(topK).ToArray();
    }

    private void Remember(SlotRanking ranking)
    {
        if (_recent.Count >= RecentCapacity)
        {
            _recent.Clear();
        }
        _recent[(ranking.Slot, ranking.Seed)] = ranking;
    }

    private bool Changed(bool changed)
    {
        if (changed)
        {
            _recent.Clear();
        }
        return changed;
    }

    private SlotLeader? LeaderOf(RankedSlot ranked)
    {
        if (ranked.LeaderPosition < 0)
        {
            return null;
        }
        return new SlotLeader(_active.LanesAt(ranked.LeaderPosition).ToAddress(), ranked.LeaderScore, ranked.LeaderPosition < _active.HostedCount);
    }

    internal HostedRank[] HostedRanks(RankedSlot ranked)
    {
        var result = new HostedRank[ranked.HostedPositions.Length];
        for (var i = 0; i < result.Length; i++)
        {
            var position = ranked.HostedPositions[i];
            result[i] = new HostedRank(_active.LanesAt(position).ToAddress(), _active.TenantAt(position), ranked.HostedScores[i], ranked.Ranks[i]);
        }
        return result;
    }

    private Address[] HostedInactive() =>
        _active.HostedCount == _tenants.Count ? [] : _tenants.Keys.Where(sequencer => !_active.Contains(sequencer)).ToArray();
}
