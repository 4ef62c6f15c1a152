using Hosting.Contracts.Domain;

namespace Hosting.Grains.Election;

/// <summary>
/// The network's active sequencers as three dense arrays of address lanes (what the score loop reads), kept
/// in two runs: positions [0, HostedCount) are the hosted ones, the rest are not. Removal swaps the last
/// entry in, so the arrays never have holes and each change costs O(1).
/// </summary>
internal sealed class ActiveSequencers
{
    private readonly Dictionary<Address, int> _positions = [];
    private ulong[] _lane9 = [];
    private ulong[] _lane10 = [];
    private ulong[] _lane11 = [];
    private string?[] _tenants = [];

    public int Count { get; private set; }

    /// <summary>How many of the active sequencers are hosted: they sit at the front.</summary>
    public int HostedCount { get; private set; }

    public ReadOnlyMemory<ulong> Lane9 => _lane9.AsMemory(0, Count);
    public ReadOnlyMemory<ulong> Lane10 => _lane10.AsMemory(0, Count);
    public ReadOnlyMemory<ulong> Lane11 => _lane11.AsMemory(0, Count);

    public bool Contains(Address sequencer) => _positions.ContainsKey(sequencer);

    public AddressLanes LanesAt(int position) => new(_lane9[position], _lane10[position], _lane11[position]);

    /// <summary>The tenant of the hosted sequencer at a position in the hosted run.</summary>
    public string TenantAt(int position) => _tenants[position]!;

    /// <summary>Adds an active sequencer, into the hosted run when a tenant hosts it; false if it is already active.</summary>
    public bool Add(Address sequencer, string? tenantId)
    {
        if (!_positions.TryAdd(sequencer, Count))
        {
            return false;
        }
        EnsureCapacity(Count + 1);
        Write(Count, AddressLanes.For(sequencer));
        Count++;
        if (tenantId is not null)
        {
            MarkHosted(sequencer, tenantId);
        }
        return true;
    }

    public bool Remove(Address sequencer)
    {
        if (!_positions.ContainsKey(sequencer))
        {
            return false;
        }
        MarkNotHosted(sequencer);
        Swap(_positions[sequencer], Count - 1);
        _positions.Remove(sequencer);
        Count--;
        _tenants[Count] = null;
        return true;
    }

    /// <summary>Moves an active sequencer into the hosted run under a tenant; nothing happens if it is not active.</summary>
    public void MarkHosted(Address sequencer, string tenantId)
    {
        if (!_positions.TryGetValue(sequencer, out var position))
        {
            return;
        }
        _tenants[position] = tenantId;
        if (position >= HostedCount)
        {
            Swap(position, HostedCount);
            HostedCount++;
        }
    }

    /// <summary>Moves an active sequencer out of the hosted run; nothing happens if it is not active or not there.</summary>
    public void MarkNotHosted(Address sequencer)
    {
        if (_positions.TryGetValue(sequencer, out var position) && position < HostedCount)
        {
            Swap(position, HostedCount - 1);
            HostedCount--;
            _tenants[HostedCount] = null;
        }
    }

    private void Swap(int first, int second)
    {
        if (first == second)
        {
            return;
        }
        var a = LanesAt(first);
        var b = LanesAt(second);
        Write(first, b);
        Write(second, a);
        (_tenants[first], _tenants[second]) = (_tenants[second], _tenants[first]);
        _positions[a.ToAddress()] = second;
        _positions[b.ToAddress()] = first;
    }

    private void Write(int position, AddressLanes lanes)
    {
        _lane9[position] = lanes.Lane9;
        _lane10[position] = lanes.Lane10;
        _lane11[position] = lanes.Lane11;
    }

    private void EnsureCapacity(int needed)
    {
        if (needed <= _lane9.Length)
        {
            return;
        }
        // Vector loads read four lanes at a time; a multiple of four keeps the tail inside the array.
        var capacity = Math.Max(64, (Math.Max(needed, _lane9.Length * 2) + 3) & ~3);
        Array.Resize(ref _lane9, capacity);
        Array.Resize(ref _lane10, capacity);
        Array.Resize(ref _lane11, capacity);
        Array.Resize(ref _tenants, capacity);
    }
}
